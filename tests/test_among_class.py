"""Your digit among 10,000, without the page: the map (a test digit lands on its own point, the
classes separate, LDA finds the direction PCA misses), the nearest test digits, the shelf that
keeps the map beside the model, the occlusion map and the smallest change that flips the answer."""

import base64
import json

import numpy as np
import pytest

from cnn import DEFAULT_MLP_PATH
from cnn.net.digit_map import DigitMap, build_digit_map, nearest_neighbour_accuracy, projection_matrix
from cnn.net.flip import SCALES, smallest_flip
from cnn.net.network import load_network
from cnn.net.occlusion import PATCH, occluded_copies, occlusion_map
from cnn.serving.digit_maps import DigitMapShelf, published_picture, published_sheets
from cnn.serving.unit_examples import ExampleDigits, examples_path
from display.digit_map import SHEET, SIZE, MapFrame, digit_sheet, flip_picture, map_file, map_picture
from tests.support import copy_shipped_model


@pytest.fixture(scope="module")
def test_set(mnist_path):
    from cnn.files.mnist import read_npz

    arrays = read_npz(mnist_path)
    return arrays["x_test"], arrays["y_test"].astype(np.int64)


@pytest.fixture(scope="module")
def digit_map(shipped_network, test_set) -> DigitMap:
    return build_digit_map(shipped_network, *test_set)


@pytest.fixture(scope="module")
def dense_network():
    return load_network(DEFAULT_MLP_PATH)


def test_a_test_digit_placed_on_the_map_lands_on_its_own_point(digit_map, extractor, test_set):
    images, _ = test_set
    frame = MapFrame.around(digit_map.points)
    for index in (0, 1, 77, 4321, 9999):
        dense = extractor.run(images[index] / np.float32(255)).dense  # as the page reads a test digit
        placed = digit_map.place(dense)
        # One forward pass against a batch of 256 differs in the last bits (about 1e-6), no more:
        np.testing.assert_allclose(placed, digit_map.points[index], atol=1e-4)
        assert np.array_equal(np.floor(frame.pixel(placed)), np.floor(frame.pixel(digit_map.points[index])))
        assert digit_map.nearest(dense, 3)[0] == index  # and its nearest test digit is itself


def test_the_map_separates_the_classes_and_lda_more_than_pca(digit_map, shipped_network, test_set):
    pca = build_digit_map(shipped_network, *test_set, projection="pca")
    print(f"1-NN on the map: LDA {digit_map.accuracy:.4f}, PCA {pca.accuracy:.4f}")  # 0.8469, 0.7662
    assert digit_map.accuracy > 0.8 and pca.accuracy > 0.7  # chance is about 0.1
    assert digit_map.accuracy > pca.accuracy + 0.05
    # the map's accuracy is the leave-one-out figure it claims
    small = slice(0, 600)
    points, labels = digit_map.points[small], digit_map.labels[small]
    brute = [labels[np.argsort(np.linalg.norm(points - p, axis=1))[1]] == labels[i] for i, p in enumerate(points)]
    assert nearest_neighbour_accuracy(points, labels) == pytest.approx(np.mean(brute))


def test_lda_finds_the_direction_that_separates_the_classes_and_pca_does_not():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 300)
    # Unit 0: the classes 1 apart with noise 0.1; units 1 and 2: noise 5 and 3, the same for every class.
    dense = np.stack([labels + rng.normal(0, 0.1, 900), rng.normal(0, 5, 900), rng.normal(0, 3, 900)], axis=1)
    lda, pca = projection_matrix(dense, labels, "lda"), projection_matrix(dense, labels, "pca")
    assert abs(lda[0, 0]) > 0.99  # LDA's first direction is unit 0
    assert abs(pca[0, 0]) < 0.1 and abs(pca[0, 1]) < 0.1  # PCA's two are the noisy units
    np.testing.assert_allclose(np.linalg.norm(lda, axis=0), 1.0)


def test_the_nearest_test_digits_are_the_closest_in_64_dimensions(digit_map):
    query = digit_map.dense[123] * 0.9 + digit_map.dense[456] * 0.1
    brute = np.argsort(np.linalg.norm(digit_map.dense.astype(np.float64) - query, axis=1), kind="stable")[:8]
    assert digit_map.nearest(query, 8).tolist() == brute.tolist()


def test_the_map_is_kept_beside_the_model_and_read_back(shipped_network, test_set, tmp_path):
    model = copy_shipped_model(tmp_path)
    digits = ExampleDigits(*test_set, "test-set", "test")
    shelf = DigitMapShelf(digits)
    state = shelf.wait(shipped_network, model)
    assert state.examples is not None and shelf.builds == 1
    file = examples_path(model, shelf.key(shipped_network), "digit-map")
    assert file.is_file() and ".digit-map-" in file.name
    assert not list(tmp_path.glob("*.unit-examples-*"))  # its own file, not the examples'
    again = DigitMapShelf(digits)  # another replica
    read = again.wait(shipped_network, model).examples
    assert again.builds == 0
    np.testing.assert_array_equal(read.points, state.examples.points)
    np.testing.assert_array_equal(read.matrix, state.examples.matrix)
    assert read.accuracy == state.examples.accuracy and read.projection == "lda"


def test_without_mnist_the_shelf_says_so():
    state = DigitMapShelf("MNIST is not on this server").examples(None, "model.keras")
    assert state.examples is None and state.message == "MNIST is not on this server"


def test_the_picture_is_written_once_per_key(tmp_path):
    drawn = []
    draw = lambda: drawn.append(1) or b"png"  # noqa: E731
    name = published_picture(tmp_path, "digit-map", "k1", draw)
    assert published_picture(tmp_path, "digit-map", "k1", draw) == name and len(drawn) == 1
    for key in ("k2", "k3", "k4"):
        published_picture(tmp_path, "digit-map", key, draw)
    assert sorted(p.name for p in tmp_path.glob("digit-map-*.png")) == [f"digit-map-k{i}.png" for i in (2, 3, 4)]


def test_the_map_picture_has_each_point_in_its_digits_colour(digit_map):
    frame = MapFrame.around(digit_map.points)
    pixels = frame.pixel(digit_map.points)
    assert pixels.min() >= 0 and pixels.max() <= SIZE  # every point on the picture
    picture = map_picture(digit_map.points[:1], digit_map.labels[:1], frame)
    x, y = np.floor(pixels[0]).astype(int)
    assert picture[y, x].tolist() == [int(digit_map_colour(digit_map.labels[0])[i : i + 2], 16) for i in (1, 3, 5)]
    assert (picture != 255).any(axis=2).sum() == 9  # one 3x3 square


def test_the_pages_map_file_holds_every_point_to_a_hundredth_of_a_pixel_and_the_projection(digit_map):
    frame = MapFrame.around(digit_map.points)
    data = json.loads(json.dumps(map_file(digit_map, frame)))  # what the page fetches
    pixels = np.frombuffer(base64.b64decode(data["points"]), "<u2").reshape(-1, 2) / data["pointSteps"]
    assert data["count"] == len(digit_map.labels) == len(pixels)
    assert np.abs(pixels - frame.pixel(digit_map.points)).max() <= 0.005 + 1e-9
    assert np.frombuffer(base64.b64decode(data["labels"]), np.uint8).tolist() == digit_map.labels.tolist()
    assert np.frombuffer(base64.b64decode(data["predicted"]), np.uint8).tolist() == digit_map.predicted.tolist()
    # The projection and the frame as sent place a test digit where its own point is.
    matrix, offset = np.array(data["matrix"]), np.array(data["offset"])
    f = data["frame"]
    u, v = digit_map.dense[5].astype(np.float64) @ matrix - offset
    assert np.allclose([(u - f["left"]) * f["scale"], (f["top"] - v) * f["scale"]], frame.pixel(digit_map.points[5]))


def test_a_sheet_holds_its_hundred_test_digits_ten_to_a_row(test_set):
    images = test_set[0]
    sheet = digit_sheet(images, 2)
    assert sheet.shape == (280, 280)
    index = 2 * SHEET + 37  # row 3, column 7 of the third sheet
    assert (sheet[3 * 28 : 4 * 28, 7 * 28 : 8 * 28] == images[index]).all()
    assert not digit_sheet(images[:150], 1)[5 * 28 :].any()  # the last sheet's empty places are black


def test_the_sheets_are_written_once_and_whole(tmp_path):
    drawn = []
    draw = lambda i: drawn.append(i) or f"png {i}".encode()  # noqa: E731
    name = published_sheets(tmp_path, "abc", 3, draw)
    assert published_sheets(tmp_path, "abc", 3, draw) == name and drawn == [0, 1, 2]
    assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["0.png", "1.png", "2.png"]
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no scratch folder left behind


def digit_map_colour(digit):
    from display.digit_map import DIGIT_COLOURS

    return DIGIT_COLOURS[digit]


def test_occluding_a_blank_corner_changes_nothing_and_an_inked_patch_is_what_the_network_says(
    shipped_network, test_set
):
    images, labels = test_set
    image = images[0] / np.float32(255)
    assert image[:PATCH, :PATCH].max() == 0  # the corner is blank
    drops = occlusion_map(shipped_network, image, int(labels[0]))
    assert drops.shape == (7, 7) and drops[0, 0] == 0
    copies = occluded_copies(image)
    assert (copies[0, :PATCH, :PATCH] == 0).all() and np.array_equal(copies[0, PATCH:], image[PATCH:])
    # every patch's fall, brute force: the network on the image with that patch greyed out
    probabilities = shipped_network.predict(np.concatenate([image[None], copies]))[:, labels[0]]
    np.testing.assert_allclose(drops.ravel(), probabilities[0] - probabilities[1:], atol=1e-6)
    # a digit the network is less sure of: some patch matters
    unsure = int(np.argsort(shipped_network.predict(images[:500] / np.float32(255)).max(axis=1))[0])
    image = images[unsure] / np.float32(255)
    digit = int(shipped_network.predict(image).argmax())
    assert occlusion_map(shipped_network, image, digit).max() > 0.01


@pytest.mark.parametrize("which", ["convnet", "dense net"])
def test_the_flip_is_read_as_the_target_by_the_same_network_and_is_small(
    which, shipped_network, dense_network, test_set
):
    network = shipped_network if which == "convnet" else dense_network
    images, labels = test_set
    sizes = []
    for index, target in ((0, 3), (1, 8), (2, 7), (3, 6)):
        image = images[index] / np.float32(255)
        assert network.predict(image).argmax() == labels[index] != target
        flip = smallest_flip(network, image, target)
        assert flip.flipped and network.predict(flip.image).argmax() == target  # read again, from scratch
        assert flip.image.min() >= 0 and flip.image.max() <= 1  # still a picture a pen could draw
        assert flip.l2 < 0.5 * np.linalg.norm(image)  # small beside the digit itself
        sizes.append(f"{labels[index]}->{target}: L2 {flip.l2:.2f}, max {flip.largest:.2f}, {flip.steps} steps")
    print(which, "; ".join(sizes))


def test_the_flip_is_shrunk_to_the_least_share_that_still_flips(shipped_network, test_set):
    images, _ = test_set
    shrunk = 0
    for index, target in ((0, 3), (1, 8), (2, 7), (3, 6), (4, 9)):
        image = images[index] / np.float32(255)
        flip = smallest_flip(shipped_network, image, target)
        assert flip.flipped and flip.share in SCALES
        if flip.share > SCALES[0]:  # the share one below it is not enough
            lower = SCALES[np.flatnonzero(SCALES == flip.share)[0] - 1]
            less = image + (lower / flip.share) * flip.change
            assert shipped_network.predict(less).argmax() != target
        shrunk += flip.share < 1
    assert shrunk  # the scale-back does shrink some of them


def test_the_flip_picture_shows_added_ink_red_and_removed_ink_blue():
    before = np.zeros((28, 28), np.float32)
    before[10, 10] = 1.0
    after = before.copy()
    after[10, 10], after[20, 20] = 0.0, 1.0
    picture = flip_picture(before, after)
    scale = 4
    middle = picture[:, 112 + 6 : 2 * 112 + 6]
    added, removed, same = middle[20 * scale, 20 * scale], middle[10 * scale, 10 * scale], middle[0, 0]
    assert added[0] > added[2] + 50 and removed[2] > removed[0] + 50 and same.min() > 240  # dark red, dark blue, white
