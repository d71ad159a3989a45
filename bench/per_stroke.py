"""What one stroke costs the server: preprocessing, the forward pass with every feature map,
and rendering the feature-map grids; plus how often the pipeline reads re-drawn MNIST digits
right, next to a plain resize.

    python bench/per_stroke.py [--drawings 1000]

Targets (issue 3): preprocessing + extraction <= 1.5 ms median; all Conv2D grids <= 10 ms.
"""

import argparse

import numpy as np
from common import mnist_path, summary_ms, time_calls

from cnn import DEFAULT_MODEL_PATH
from cnn.canvas_sim import random_drawing
from cnn.features import FeatureExtractor
from cnn.model import CONV_LAYER_NAMES, load_model
from cnn.preprocess import plain_resize, preprocess
from cnn.render import feature_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()

    data = np.load(mnist_path())
    digits, labels = data["x_test"][: args.drawings], data["y_test"][: args.drawings]
    rng = np.random.default_rng(0)
    canvases = [random_drawing(digit, rng) for digit in digits]
    extractor = FeatureExtractor(load_model(DEFAULT_MODEL_PATH))

    cycle = iter(range(10**9))

    def next_canvas():
        return canvases[next(cycle) % len(canvases)]

    prep = time_calls(lambda: preprocess(next_canvas()), args.repeats)
    image = preprocess(canvases[0]).image
    extract = time_calls(lambda: extractor.run(image), args.repeats)
    both = time_calls(lambda: extractor.run(preprocess(next_canvas()).image), args.repeats)
    maps = extractor.run(image).maps
    render = time_calls(lambda: [feature_grid(maps[name]) for name in CONV_LAYER_NAMES], args.repeats // 3)
    predict_call = time_calls(lambda: extractor._model.predict(image[None, ..., None], verbose=0), 30)

    prepared = np.stack([preprocess(c).image for c in canvases])
    pipeline = (extractor.probabilities(prepared).argmax(1) == labels).mean()
    naive = (
        extractor.probabilities(np.stack([plain_resize(c) for c in canvases])).argmax(1) == labels
    ).mean()

    print(f"per-stroke compute on {args.drawings} MNIST test digits re-drawn at 40-100% size, random place")
    print(f"  preprocess (280x280 RGBA -> 28x28)      {summary_ms(prep)}")
    print(f"  extract (5 maps + softmax, compiled)     {summary_ms(extract)}")
    print(f"  preprocess + extract                     {summary_ms(both)}   target <= 1.5 ms")
    print(f"  render conv1+conv2+conv3 grids           {summary_ms(render)}   target <= 10 ms")
    print(f"  for comparison, keras predict() per call {summary_ms(predict_call)}")
    print(f"accuracy through the whole pipeline        {pipeline:.1%}   target >= 98%")
    print(f"accuracy with a plain 280->28 resize       {naive:.1%}")


if __name__ == "__main__":
    main()
