"""What one stroke costs the server: preprocessing, the forward pass with every feature map,
and the feature maps' messages (both views send arrays the browser draws); plus how often the
pipeline reads re-drawn MNIST digits right, next to a plain resize.

    python bench/per_stroke.py [--drawings 1000]

Target (issue 3): preprocessing + extraction <= 1.5 ms median.
"""

import argparse
import json

import numpy as np
from common import mnist_path, spread_ms, summary_ms, time_calls

from cnn import DEFAULT_MODEL_PATH
from cnn.net.features import FeatureExtractor
from cnn.net.network import load_network
from cnn.net.preprocess import plain_resize, preprocess
from cnn.serving.model_store import LoadedModel
from cnn.training.model import CONV_LAYER_NAMES, load_model
from display.lecture import lecture_meta, quantise
from harness.canvas_sim import random_drawing


def rows(drawings: int = 1000, repeats: int = 300) -> list[tuple[str, str, str]]:
    """(figure, median with spread, target) for the summary table of bench/run_all.py."""
    figures = measure(drawings, repeats)
    return [
        ("preprocess + extract, per stroke", spread_ms(figures["both"]), "<= 1.5 ms"),
        (
            "lecture view message per stroke (the model's part, JSON; the page computes the maps)",
            f"{spread_ms(figures['lecture'])}, {figures['lecture_bytes'] / 1024:.0f} KiB",
            "",
        ),
        (
            "detailed page feature maps per stroke (conv1-3 as arrays, JSON)",
            f"{spread_ms(figures['detailed'])}, {figures['detailed_bytes'] / 1024:.0f} KiB",
            "",
        ),
        (
            "accuracy, re-drawn test digits (plain resize)",
            f"{figures['pipeline']:.1%} ({figures['naive']:.1%})",
            ">= 98%",
        ),
    ]


def measure(drawings: int, repeats: int) -> dict:
    data = np.load(mnist_path())
    digits, labels = data["x_test"][:drawings], data["y_test"][:drawings]
    rng = np.random.default_rng(0)
    canvases = [random_drawing(digit, rng) for digit in digits]
    model = load_network(DEFAULT_MODEL_PATH)  # what the page runs
    extractor = FeatureExtractor(model)
    keras_model = load_model(DEFAULT_MODEL_PATH)  # for comparison only
    cycle = iter(range(10**9))

    def next_canvas():
        return canvases[next(cycle) % len(canvases)]

    image = preprocess(canvases[0]).image
    maps = extractor.run(image).maps
    activations = extractor.run(image)
    loaded = LoadedModel.of(model, None, 1)

    def lecture_message() -> bytes:  # what the lecture view sends per stroke: the model's part
        return json.dumps(lecture_meta(loaded.layers, activations.maps)).encode()

    def detailed_message() -> bytes:  # the detailed page's feature maps per stroke: conv1-3 as arrays
        return json.dumps([quantise(maps[name]) for name in CONV_LAYER_NAMES]).encode()

    prepared = np.stack([preprocess(c).image for c in canvases])
    naive = np.stack([plain_resize(c) for c in canvases])
    return {
        "prep": time_calls(lambda: preprocess(next_canvas()), repeats),
        "extract": time_calls(lambda: extractor.run(image), repeats),
        "both": time_calls(lambda: extractor.run(preprocess(next_canvas()).image), repeats),
        "lecture": time_calls(lecture_message, repeats // 3),
        "lecture_bytes": len(lecture_message()),
        "detailed": time_calls(detailed_message, repeats // 3),
        "detailed_bytes": len(detailed_message()),
        "predict_call": time_calls(lambda: keras_model.predict(image[None, ..., None], verbose=0), 30),
        "pipeline": (extractor.probabilities(prepared).argmax(1) == labels).mean(),
        "naive": (extractor.probabilities(naive).argmax(1) == labels).mean(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    f = measure(args.drawings, args.repeats)
    print(f"per-stroke compute on {args.drawings} MNIST test digits re-drawn at 40-100% size, random place")
    print(f"  preprocess (280x280 RGBA -> 28x28)      {summary_ms(f['prep'])}")
    print(f"  extract (5 maps + softmax, numpy)       {summary_ms(f['extract'])}")
    print(f"  preprocess + extract                     {summary_ms(f['both'])}   target <= 1.5 ms")
    print(f"  for comparison, keras predict() per call {summary_ms(f['predict_call'])}")
    print(f"  lecture view message (model part, JSON)  {summary_ms(f['lecture'])}, {f['lecture_bytes'] / 1024:.0f} KiB")
    print(
        f"  detailed page maps (conv1-3, JSON)       {summary_ms(f['detailed'])}, {f['detailed_bytes'] / 1024:.0f} KiB"
    )
    print(f"accuracy through the whole pipeline        {f['pipeline']:.1%}   target >= 98%")
    print(f"accuracy with a plain 280->28 resize       {f['naive']:.1%}")


if __name__ == "__main__":
    main()
