"""The numbers the browser's network and preprocessing (static/js/net/) are tested against by
`node --test tests/js/`, computed here by the real Python: drawings on a canvas (MNIST test
digits placed as canvas_sim does, plus the guards' cases) with what cnn/net/preprocess.py makes
of them, and every layer's output of the shipped network on those inputs, run with the weights
exactly as the browser receives them (cnn/net/browser_weights.py: float16), and for a few of
them the whole lecture payload display/lecture.py makes (static/js/net/lecture_payload.js is
its port).

    python -m tests.js_network_fixtures   # rewrite tests/js/fixtures/network.json and convnet.dlw

tests/test_browser_network.py checks the committed files are what this computes now.
"""

import base64
import dataclasses
import json
import os
import zlib

import numpy as np

from cnn import DEFAULT_MODEL_PATH
from cnn.files.mnist import load_mnist
from cnn.net.anatomy import anatomy
from cnn.net.browser_weights import browser_weights, read_browser_weights
from cnn.net.features import FeatureExtractor
from cnn.net.network import Network, load_network
from cnn.net.preprocess import _MESSAGES, preprocess
from display.lecture import lecture_meta, lecture_payload
from harness.canvas_sim import CANVAS_SIZE, draw_on_canvas
from tests.support import REPO

FOLDER = REPO / "tests" / "js" / "fixtures"
FIXTURE = FOLDER / "network.json"
WEIGHTS = FOLDER / "convnet.dlw"
SAMPLES = 12  # values per layer checked one by one, spread over the whole output
LECTURE_CASES = 3  # drawings whose whole lecture payload is written


def as_browser_runs_it(network: Network, blob: bytes) -> Network:
    """The network with the weights the browser decodes from `blob` (float16, back to float32)."""
    _, arrays = read_browser_weights(blob)
    layers, arrays = [], iter(arrays)
    for layer in network.layers:
        if layer.kernel is not None:
            layer = dataclasses.replace(layer, kernel=next(arrays), bias=next(arrays))
        layers.append(layer)
    return Network(network.name, layers, network.input_name)


def _canvas(grey: np.ndarray, background: int = 0, alpha: np.ndarray | None = None) -> np.ndarray:
    rgba = np.empty((*grey.shape, 4), np.uint8)
    rgba[..., :3] = grey[..., np.newaxis] if background == 0 else 255 - grey[..., np.newaxis]
    rgba[..., 3] = 255 if alpha is None else alpha
    return rgba


def _ink(digit, scale, left, top, size=CANVAS_SIZE) -> np.ndarray:
    return draw_on_canvas(digit, scale, left, top, size)[..., 0]  # white on black: any channel


def drawings(mnist) -> list[tuple[str, np.ndarray]]:
    """(name, RGBA canvas) for every case the browser must agree on."""
    cases = []
    placements = [(0, 1.0, 30, 20), (1, 0.5, 150, 140), (2, 1.4, 0, 0), (3, 0.8, 90, 40), (4, 0.35, 10, 200)]
    for index, scale, left, top in placements:
        digit = mnist.x_test[index, ..., 0]
        cases.append((f"test digit {index} x{scale} at ({left}, {top})", _canvas(_ink(digit, scale, left, top))))
    phone = _ink(mnist.x_test[5, ..., 0], 0.8, 40, 40, size=360)
    cases.append(("a wider phone canvas (360 px)", _canvas(phone)))
    cases.append(("dark ink on white paper", _canvas(_ink(mnist.x_test[6, ..., 0], 0.7, 50, 50), background=255)))
    ink = _ink(mnist.x_test[7, ..., 0], 0.7, 50, 50)
    cases.append(("ink on a transparent background", _canvas(np.full_like(ink, 255), alpha=ink)))
    empty = np.zeros((CANVAS_SIZE, CANVAS_SIZE), np.uint8)
    dot = empty.copy()
    dot[140:144, 140:144] = 255
    scribble = empty.copy()
    scribble[12:-12, 12:-12] = 255
    cases += [("nothing drawn", _canvas(empty)), ("a dot", _canvas(dot)), ("scribbled all over", _canvas(scribble))]
    return cases


def _floats(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, "<f4").tobytes()).decode("ascii")


def fixtures() -> tuple[dict, bytes]:
    mnist = load_mnist(os.environ.get("MNIST_NPZ") or REPO.parent / "shared" / "data" / "mnist.npz")
    blob = browser_weights(load_network(DEFAULT_MODEL_PATH))
    network = as_browser_runs_it(load_network(DEFAULT_MODEL_PATH), blob)
    layers, extractor = anatomy(network), FeatureExtractor(network)
    weights = {layer.name: (layer.kernel, layer.bias) for layer in network.layers if layer.kernel is not None}
    cases = []
    for name, rgba in drawings(mnist):
        result = preprocess(rgba)
        case = {
            "name": name,
            "width": rgba.shape[1],
            "height": rgba.shape[0],
            "canvas": base64.b64encode(zlib.compress(rgba.tobytes(), 9)).decode("ascii"),
            "status": result.status,
            "message": result.message,
            "cropBox": list(result.crop_box) if result.crop_box else None,
        }
        if result.image is not None:
            outputs = network.forward(result.image)
            case |= {"shift": list(result.shift), "image": _floats(result.image), "layers": []}
            for layer_name, values in outputs.items():
                flat = values[0].ravel()
                where = np.linspace(0, flat.size - 1, SAMPLES).round().astype(int)
                case["layers"].append(
                    {
                        "name": layer_name,
                        "shape": list(values.shape[1:]),
                        "sum": float(flat.sum(dtype=np.float64)),
                        "samples": [[int(i), float(flat[i])] for i in where],
                        "argmax": int(flat.argmax()),
                    }
                )
            case["probabilities"] = outputs[network.layers[-1].name][0].tolist()
            case["digit"] = int(np.argmax(case["probabilities"]))
            if sum("lecture" in c for c in cases) < LECTURE_CASES:
                case["lecture"] = lecture_payload(layers, weights, result.image, extractor.run(result.image))
        cases.append(case)
    meta = lecture_meta(layers, extractor.layer_names)
    return {"messages": _MESSAGES, "lectureMeta": meta, "cases": cases}, blob


def write() -> None:
    data, blob = fixtures()
    FOLDER.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(data, indent=1) + "\n")
    WEIGHTS.write_bytes(blob)


if __name__ == "__main__":
    write()
