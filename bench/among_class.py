"""What the chapter "Among 10,000 digits" costs, and how well its map separates the digits: the
projection chosen by measuring (LDA against PCA: 1-NN accuracy on the 2-D map, leave-one-out and
fitted on one half / judged on the other; the time to place one drawing), the map's precompute
and its picture, the chapter's work per stroke (place, nearest 8, occlusion, pictures), the flip
search per network and target, and the whole page's rerun in AppTest with this chapter open
against the feature maps. All with the server's one BLAS thread.

    python bench/among_class.py [--drawings 100] [--reruns 20] [--no-page]

Targets (issue 25): placing a drawing <= 2 ms; the map's points sent once per model version;
the flip search <= 300 ms for one target digit on the server.
"""

import argparse
import gzip
import json
import os
import statistics
import time

import numpy as np
from common import REPO, mnist_path, spread_ms, time_calls
from threadpoolctl import threadpool_limits

from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH
from cnn.files.mnist import read_npz
from cnn.net.digit_map import build_digit_map, nearest_neighbour_accuracy, projection_matrix
from cnn.net.features import FeatureExtractor
from cnn.net.flip import smallest_flip
from cnn.net.network import load_network
from cnn.net.occlusion import occlusion_map
from cnn.net.preprocess import preprocess
from display.digit_map import SHEET, MapFrame, digit_sheet, map_file, map_picture, neighbours_markup, occlusion_picture
from display.render import png_bytes
from harness.canvas_sim import random_drawing


def split_accuracy(dense: np.ndarray, labels: np.ndarray, projection: str) -> float:
    """Fitted on the first half of the test digits; each of the second half labelled by its
    nearest point of the first half on that map."""
    half = len(labels) // 2
    matrix = projection_matrix(dense[:half], labels[:half], projection)
    points = dense.astype(np.float64) @ matrix
    fitted, judged = points[:half], points[half:]
    right = 0
    for start in range(0, len(judged), 1000):
        block = judged[start : start + 1000]
        distances = ((block[:, None, :] - fitted[None]) ** 2).sum(axis=2)
        right += int(
            (labels[:half][distances.argmin(axis=1)] == labels[half + start : half + start + len(block)]).sum()
        )
    return right / len(judged)


def projections(images, labels) -> dict:
    network = load_network(DEFAULT_MODEL_PATH)
    maps = {}
    for projection in ("lda", "pca"):
        started = time.perf_counter()
        maps[projection] = build_digit_map(network, images, labels, projection)
        seconds = time.perf_counter() - started
        digit_map = maps[projection]
        vector = digit_map.dense[17]
        place = time_calls(lambda: digit_map.place(vector), 2000)  # noqa: B023
        print(
            f"{projection.upper()}: 1-NN on the 2-D map {digit_map.accuracy:.2%} (leave-one-out), "
            f"{split_accuracy(digit_map.dense, labels, projection):.2%} (fitted on 5,000, judged on the other 5,000); "
            f"place one drawing median {statistics.median(place) * 1e6:.1f} us (target <= 2 ms); "
            f"precompute (forward pass of 10,000 + fit + 1-NN) {seconds:.2f} s"
        )
    dense = maps["lda"].dense
    print(f"the 64-D space itself: 1-NN {nearest_neighbour_accuracy(dense, labels):.2%} (leave-one-out)")
    return maps


def per_stroke(digit_map, images, count: int) -> None:
    network = load_network(DEFAULT_MODEL_PATH)
    extractor = FeatureExtractor(network)
    rng = np.random.default_rng(0)
    prepared = [preprocess(random_drawing(images[i], rng)).image for i in range(count)]
    frame = MapFrame.around(digit_map.points)
    started = time.perf_counter()
    picture = png_bytes(map_picture(digit_map.points, digit_map.labels, frame))
    drawn = time.perf_counter() - started
    print(f"the map's picture, once per model version: {len(picture) / 1000:.0f} KB, drawn in {drawn * 1000:.0f} ms")
    started = time.perf_counter()
    numbers = json.dumps(map_file(digit_map, frame), separators=(",", ":")).encode()
    made = time.perf_counter() - started
    print(
        f"the map's numbers for the page (projection, every point), once per model version: "
        f"{len(numbers) / 1000:.0f} KB ({len(gzip.compress(numbers)) / 1000:.0f} KB gzipped), "
        f"made in {made * 1000:.0f} ms"
    )
    started = time.perf_counter()
    sheets = [png_bytes(digit_sheet(images, i)) for i in range(-(-len(images) // SHEET))]
    made = time.perf_counter() - started
    print(
        f"the test digits as {len(sheets)} sheet pictures, once per test set: {sum(map(len, sheets)) / 1000:.0f} KB "
        f"(one hover fetches one, median {statistics.median(map(len, sheets)) / 1000:.1f} KB), drawn in {made:.2f} s"
    )
    parts = {"place the dot": [], "nearest 8 (64-D)": [], "their pictures (markup)": [], "occlusion map": []}
    parts["occlusion picture (PNG)"] = []
    sizes = {"dot": [], "neighbours": [], "occlusion": []}
    for image in prepared:
        activations = extractor.run(image)
        digit = activations.digit
        started = time.perf_counter()
        dot = frame.pixel(digit_map.place(activations.dense)).round(2).tolist()  # the server's dot, sent per run
        placed = time.perf_counter()
        nearest = digit_map.nearest(activations.dense, 8)
        found = time.perf_counter()
        markup = neighbours_markup(images, digit_map.labels, nearest)
        marked = time.perf_counter()
        drops = occlusion_map(network, image, digit)
        occluded = time.perf_counter()
        heat = png_bytes(occlusion_picture(image, drops))
        done = time.perf_counter()
        for name, (a, b) in zip(
            parts,
            ((started, placed), (placed, found), (found, marked), (marked, occluded), (occluded, done)),
            strict=True,
        ):
            parts[name].append(b - a)
        sizes["dot"].append(len(json.dumps(dot)))
        sizes["neighbours"].append(len(markup))
        sizes["occlusion"].append(len(heat))
    total = [sum(values) for values in zip(*parts.values(), strict=True)]
    for name, seconds in parts.items():
        print(f"  per stroke, {name}: {spread_ms(seconds)}")
    print(f"per stroke, the chapter's own work in all: {spread_ms(total)}")
    print(
        "per stroke, bytes: the dot's place {:.0f} B, neighbours' markup {:.1f} KB, occlusion PNG {:.1f} KB".format(
            *(statistics.median(sizes[k]) / (1 if k == "dot" else 1000) for k in ("dot", "neighbours", "occlusion"))
        )
    )


def flips(images, labels, count: int) -> None:
    for name, path in (("convnet", DEFAULT_MODEL_PATH), ("dense net", DEFAULT_MLP_PATH)):
        network = load_network(path)
        seconds, norms, largest, failed = [], [], [], 0
        for index in range(count):
            image = images[index] / np.float32(255)
            for target in range(10):
                if target == labels[index]:
                    continue
                started = time.perf_counter()
                flip = smallest_flip(network, image, target)
                seconds.append(time.perf_counter() - started)
                if flip.flipped:
                    norms.append(flip.l2)
                    largest.append(flip.largest)
                else:
                    failed += 1
        print(
            f"flip search, {name}, {len(seconds)} (digit, target) pairs: {spread_ms(seconds)}, worst "
            f"{max(seconds) * 1000:.0f} ms (target <= 300 ms); flipped {len(norms)}/{len(seconds)}; change L2 "
            f"median {statistics.median(norms):.2f} (p90 {np.percentile(norms, 90):.2f}), largest pixel median "
            f"{statistics.median(largest):.2f}; the digits' own L2 median "
            f"{statistics.median(np.linalg.norm(images[:count] / 255.0, axis=(1, 2))):.2f}"
        )


def page_reruns(reruns: int) -> None:
    """The whole page's rerun after a stroke, in AppTest, with this chapter open and with the feature maps."""
    import sys

    from harness.canvas_sim import draw_on_canvas
    from harness.fake_canvas import FakeCanvas

    fake = FakeCanvas()
    sys.modules["streamlit_drawable_canvas"] = fake.module
    from streamlit.testing.v1 import AppTest

    from ui.among_class import digit_map_shelf

    digit_map_shelf().wait(load_network(DEFAULT_MODEL_PATH), DEFAULT_MODEL_PATH)
    arrays = read_npz(mnist_path())
    for chapter in ("Feature maps", "Among 10,000 digits"):
        app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
        fake.drawing = draw_on_canvas(arrays["x_test"][0], 0.6, left=40, top=40)
        app.run()
        app.session_state["chapter"] = chapter
        app.run()
        seconds = []
        for index in range(reruns):
            fake.drawing = draw_on_canvas(arrays["x_test"][index + 1], 0.6, left=40, top=40)
            started = time.perf_counter()
            app.run()
            seconds.append(time.perf_counter() - started)
            assert not app.exception, app.exception
        print(f"AppTest rerun after a stroke, chapter {chapter!r}: {spread_ms(seconds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=100)
    parser.add_argument("--flip-digits", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--no-page", action="store_true")
    arguments = parser.parse_args()
    os.environ.setdefault("MNIST_NPZ", str(mnist_path()))
    threadpool_limits(limits=1, user_api="blas")  # as the server (ui/resources.py)
    arrays = read_npz(mnist_path())
    images, labels = arrays["x_test"], arrays["y_test"].astype(np.int64)
    maps = projections(images, labels)
    per_stroke(maps["lda"], images, arguments.drawings)
    flips(images, labels, arguments.flip_digits)
    if not arguments.no_page:
        page_reruns(arguments.reruns)


if __name__ == "__main__":
    main()
