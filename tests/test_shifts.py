"""The shift and scale map (cnn/net/shifts.py): pure logic with stand-in classifiers whose answers
are known, then the real networks."""

import numpy as np
import pytest

from cnn.net.shifts import SCALES, SHIFTS, moved_copies, scale_image, shift_image, shift_map, shifted_accuracy


def dot(row: int, column: int) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.float32)
    image[row, column] = 1.0
    return image


def reads_left_or_right(images: np.ndarray) -> np.ndarray:
    """A stand-in network: 1 when the brightest pixel is in the left half, else 0; surer
    the further from the middle."""
    images = images.reshape(len(images), 28, 28)
    columns = images.reshape(len(images), -1).argmax(axis=1) % 28
    probabilities = np.zeros((len(images), 10), dtype=np.float32)
    sure = 0.5 + np.abs(columns - 13.5) / 28
    left = columns < 14
    probabilities[left, 1], probabilities[left, 0] = sure[left], 1 - sure[left]
    probabilities[~left, 0], probabilities[~left, 1] = sure[~left], 1 - sure[~left]
    return probabilities


def test_shift_moves_pixels_down_and_right_and_fills_with_black():
    moved = shift_image(dot(10, 10), 3, -2)
    assert moved[13, 8] == 1.0 and moved.sum() == 1.0
    assert shift_image(dot(1, 1), -2, 0).sum() == 0.0  # moved off the field: lost, not wrapped
    batch = np.stack([dot(5, 5), dot(20, 7)])
    assert np.array_equal(shift_image(batch, 2, 3), np.stack([shift_image(b, 2, 3) for b in batch]))


def test_scaling_about_the_centre():
    square = np.zeros((28, 28), dtype=np.float32)
    square[4:24, 4:24] = 1.0
    assert np.allclose(scale_image(square, 1.0), square)
    half = scale_image(square, 0.5)
    rows = np.flatnonzero(half.max(axis=1) > 0.5)
    assert 8 <= rows[0] <= 10 and 17 <= rows[-1] <= 19  # 20 px wide -> about 10, still centred


def test_the_map_follows_a_drawing_whose_answer_is_known():
    calls = []

    def classify(images):
        calls.append(len(images))
        return reads_left_or_right(images)

    moved = shift_map(classify, dot(14, 10))  # column 10: read as 1 until moved 4 px right
    assert calls == [len(SHIFTS) ** 2 + len(SCALES)]  # one call for every copy
    assert moved.digit == 1
    for column, dx in enumerate(SHIFTS):
        assert moved.same[:, column].all() == (10 + dx < 14), dx  # rows (dy) do not matter here
        assert not moved.same[:, column].any() == (10 + dx >= 14)
    assert moved.tolerated == 13 * sum(1 for dx in SHIFTS if 10 + dx < 14)
    assert moved.reach == 3  # 3 px right still reads 1, 4 px right does not
    assert np.all(moved.read[moved.same] == 1) and np.all(moved.read[~moved.same] == 0)


def test_the_unmoved_copy_is_the_input_itself():
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    copies = moved_copies(image)
    centre = (len(SHIFTS) // 2) * len(SHIFTS) + len(SHIFTS) // 2
    assert np.array_equal(copies[centre], image)
    assert np.allclose(copies[len(SHIFTS) ** 2 + SCALES.index(1.0)], image)


def test_shifted_accuracy_of_a_stand_in():
    images = np.stack([dot(14, 10), dot(14, 19)])
    labels = np.array([1, 0])
    assert shifted_accuracy(reads_left_or_right, images, labels, 0) == 1.0
    # 6 px: the left dot moved right crosses the middle, the right dot moved left crosses it too.
    assert shifted_accuracy(reads_left_or_right, images, labels, 6) == pytest.approx(6 / 8)


def test_real_networks_unmoved_equals_the_plain_prediction(shipped_network, mnist):
    from cnn import DEFAULT_MLP_PATH
    from cnn.net.features import FeatureExtractor
    from cnn.net.network import load_network

    for extractor in (FeatureExtractor(shipped_network), FeatureExtractor(load_network(DEFAULT_MLP_PATH))):
        image = mnist.x_test[0, ..., 0]
        plain = extractor.run(image).probabilities
        moved = shift_map(extractor.classify, image)
        assert moved.digit == int(plain.argmax()) == int(mnist.y_test[0])
        centre = len(SHIFTS) // 2
        assert moved.probability[centre, centre] == pytest.approx(plain[moved.digit], abs=1e-5)
