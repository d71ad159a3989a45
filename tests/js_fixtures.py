"""The numbers the browser's pure modules (static/js/lib, static/js/lecture) are tested against
by `node --test tests/js/`, computed here by the real Python: the shipped model's lecture payload
for an MNIST test digit, what its bytes decode to, each channel's strongest unit, the receptive
boxes found by perturbing input pixels, Flatten's order, the colour scales and the grid frame.

    python -m tests.js_fixtures        # rewrite tests/js/fixtures/lecture.json and digit_map.json

tests/test_js_fixtures.py checks the committed file is what this computes now, so a change on
either side that the other does not follow fails one of the two test runs.
"""

import base64
import dataclasses
import hashlib
import json

import numpy as np

from cnn import DEFAULT_MODEL_PATH
from cnn.net.features import FeatureExtractor
from cnn.net.network import Network, load_network
from cnn.serving.model_store import LoadedModel
from display.closeup import strongest_point
from display.lecture import lecture_payload
from display.render import (
    GAP,
    LABEL_PIXELS,
    _frame,
    _tile_origin,
    colour_table,
    colourise,
    diverging_indices,
    grid_frame,
    tile_scale,
)
from tests.support import REPO

FIXTURE = REPO / "tests" / "js" / "fixtures" / "lecture.json"
MAP_FIXTURE = REPO / "tests" / "js" / "fixtures" / "digit_map.json"  # static/js/among/map_math.js
UNITS_FIXTURE = REPO / "tests" / "js" / "fixtures" / "unit_digits.json"  # static/js/lecture/unit_digits.js
DIGIT = 7  # the first 7 of the MNIST test set


def monotone(network: Network) -> Network:
    """The same layers with every weight 1 and every bias 0: on an all-ones input, raising one
    input pixel raises exactly the units whose receptive field holds it (ReLU and max pooling
    pass any increase on, because all values in a window are equal to start with)."""
    layers = [
        dataclasses.replace(layer, kernel=np.ones_like(layer.kernel), bias=np.zeros_like(layer.bias))
        if layer.kernel is not None
        else layer
        for layer in network.layers
    ]
    return Network(network.name, layers, network.input_name)


def perturbed_boxes(network: Network, names) -> dict[str, list[list[int]]]:
    """For three units of each layer in `names` (a corner, the middle, the far corner): [row,
    column, top, left, size], the input square they depend on, found by raising every input
    pixel in turn and seeing which units of channel 0 change. No formula involved."""
    extractor = FeatureExtractor(monotone(network), tuple(names))
    base = extractor.run(np.ones((28, 28), np.float32))
    bumped = np.ones((784, 28, 28), np.float32)
    bumped[np.arange(784), np.arange(784) // 28, np.arange(784) % 28] = 2.0
    results = extractor.run_batch(bumped)
    boxes = {}
    for name in names:
        height, width, _ = base.maps[name].shape
        changed = np.stack([r.maps[name][..., 0] > base.maps[name][..., 0] + 1e-3 for r in results])
        boxes[name] = []
        for row, column in [(0, 0), (height // 2, width // 3), (height - 1, width - 1)]:
            pixels = np.flatnonzero(changed[:, row, column])
            rows, columns = pixels // 28, pixels % 28
            size = int(rows.max() - rows.min() + 1)
            assert size == columns.max() - columns.min() + 1, f"{name}: a receptive field that is not square"
            boxes[name].append([row, column, int(rows.min()), int(columns.min()), size])
    return boxes


def _decoded_samples(layer: dict, maps: np.ndarray) -> list[list]:
    """[channel, row, column, byte, value] at a few places of a layer: what its base64 holds
    (numpy's decoding) and the float the byte stands for."""
    height, width, channels = maps.shape
    pixels = np.frombuffer(base64.b64decode(layer["data"]), np.uint8).reshape(channels, height, width)
    rng = np.random.default_rng(len(layer["name"]) + channels)
    places = [(0, 0, 0), (channels - 1, height - 1, width - 1)]
    picks = [rng.integers(0, n, 6) for n in (channels, height, width)]
    places += [(int(c), int(r), int(k)) for c, r, k in zip(*picks, strict=True)]
    strongest = int(np.argmax(maps.max(axis=(0, 1))))
    places.append((strongest, *strongest_point(maps[..., strongest])))
    return [[c, r, k, int(pixels[c, r, k]), round(float(maps[r, k, c]), 5)] for c, r, k in places]


def _colours() -> dict:
    values = [-2.0, -1.0, -0.5, -0.1, 0.0, 0.003, 0.25, 0.5, 0.9, 1.0, 3.0]
    red_blue, viridis = colour_table("RdBu_r"), colour_table("viridis")
    diverging = [[v, 1.0, *red_blue[diverging_indices(v, 1.0)].tolist()] for v in values]
    diverging += [[v, 0.4, *red_blue[diverging_indices(v, 0.4)].tolist()] for v in values]
    sequential = [[t, *colourise(np.float64(t), "viridis").tolist()] for t in values]
    return {
        "redBlue": base64.b64encode(red_blue.tobytes()).decode("ascii"),
        "viridis": base64.b64encode(viridis.tobytes()).decode("ascii"),
        "diverging": diverging,
        "sequential": sequential,
    }


def _grids() -> dict:
    """Where the server's grid code puts tiles, for map shapes and the filters (half a tile)."""
    frame = grid_frame()
    cases = []
    for (height, channels), halve in [((26, 32), False), ((11, 64), False), ((3, 64), False), ((3, 32), True)]:
        tile = (tile_scale(height * 2) if halve else tile_scale(height)) * height
        picture = _frame(tile, tile, channels, frame["columns"])
        origins = [[c, *reversed(_tile_origin(c, tile, tile, frame["columns"]))] for c in (0, 1, 7, 8, channels - 1)]
        cases.append(
            {
                "shape": [height, height, channels],
                "target": frame["tile"] / 2 if halve else frame["tile"],
                "tile": tile,
                "width": picture.shape[1],
                "height": picture.shape[0],
                "origins": origins,  # [channel, x, y]
            }
        )
    assert frame["gap"] == GAP and frame["label"] == LABEL_PIXELS
    return {"frame": frame, "cases": cases}


def fixtures(mnist) -> dict:
    from ui.components import RED_BLUE, VIRIDIS  # what the page sends

    network = load_network(DEFAULT_MODEL_PATH)
    loaded = LoadedModel.of(network, None, 1)
    index = int(np.flatnonzero(mnist.y_test == DIGIT)[0])
    image = mnist.x_test[index, ..., 0].astype(np.float32)
    activations = loaded.extractor.run(image)
    payload = lecture_payload(loaded.layers, loaded.weights, image, activations)
    payload |= {"palette": VIRIDIS, "diverging": RED_BLUE}
    spatial = [layer["name"] for layer in payload["layers"]]
    last = payload["layers"][-1]
    flattened = sorted({index for unit in payload["dense"]["inputs"] for index, _ in unit})[:40]
    return {
        "written by": "tests/js_fixtures.py (python -m tests.js_fixtures); checked by tests/test_js_fixtures.py",
        "model sha256": hashlib.sha256(DEFAULT_MODEL_PATH.read_bytes()).hexdigest(),
        "mnist test index": index,
        "payload": payload,
        "decoded": {
            name: _decoded_samples(layer, activations.maps[name])
            for name, layer in zip(spatial, payload["layers"], strict=True)
        },
        "strongest": {
            name: [
                list(strongest_point(activations.maps[name][..., c])) for c in range(activations.maps[name].shape[2])
            ]
            for name in spatial
        },
        "boxes": perturbed_boxes(network, spatial),
        "flattened": [[i, *_channel_row_column(i, last["shape"])] for i in flattened],
        "colours": _colours(),
        "grid": _grids(),
    }


def _strongest_points(maps: np.ndarray) -> list[list[int]]:
    return [list(strongest_point(maps[..., c])) for c in range(maps.shape[2])]


def _channel_row_column(index: int, shape) -> list[int]:
    """Flatten's input `index` of (H, W, C) maps as [channel, row, column] (numpy's own order)."""
    row, column, channel = np.unravel_index(index, shape)
    return [int(channel), int(row), int(column)]


def digit_map_fixtures(mnist, count: int = 300) -> dict:
    """The page's map file for a map of the first `count` test digits (display/digit_map.py
    map_file), five digits' hidden activations with the pixel the server places each at, points
    under a pointer found by brute force, and where digits sit on the sheet pictures."""
    from cnn.net.digit_map import build_digit_map
    from display.digit_map import SHEET, SHEET_COLUMNS, MapFrame, map_file

    network = load_network(DEFAULT_MODEL_PATH)
    images, labels = mnist.x_test[:count, ..., 0], mnist.y_test[:count].astype(np.int64)
    digit_map = build_digit_map(network, images, labels)
    frame = MapFrame.around(digit_map.points)
    data = map_file(digit_map, frame)
    stored = np.frombuffer(base64.b64decode(data["points"]), "<u2").reshape(-1, 2) / data["pointSteps"]
    placed = [
        {"dense": digit_map.dense[i].astype(float).tolist(), "pixel": frame.pixel(digit_map.place(digit_map.dense[i]))}
        for i in (0, 1, 17, 42, 299)
    ]
    rng = np.random.default_rng(0)
    pointers = []
    for x, y, radius in [(*stored[7] + 0.5, 2.0), (*stored[120] - 1, 3.0), (5.0, 5.0, 1.0)] + [
        (*rng.uniform(0, data["size"], 2), 6.0) for _ in range(6)
    ]:
        distances = ((stored - [x, y]) ** 2).sum(axis=1)
        within = distances <= radius**2
        index = int(np.flatnonzero(within)[distances[within].argmin()]) if within.any() else -1
        pointers.append({"x": float(x), "y": float(y), "radius": radius, "index": index})
    cells = []
    for index in (0, 9, 10, 99, 100, 257, 9999):
        place = index % SHEET
        cells.append(
            {"index": index, "sheet": index // SHEET, "x": place % SHEET_COLUMNS * 28, "y": place // SHEET_COLUMNS * 28}
        )
    return {
        "written by": "tests/js_fixtures.py (python -m tests.js_fixtures); checked by tests/test_js_fixtures.py",
        "map": data,
        "placed": [{"dense": p["dense"], "pixel": p["pixel"].tolist()} for p in placed],
        "pointers": pointers,
        "cells": cells,
    }


def unit_digits_fixtures(mnist, count: int = 200) -> dict:
    """The page's files of the test digits that excite each unit (cnn/serving/example_files.py),
    for a search of the first `count` test digits, a few of them as bytes; the blocks Python's
    display/unit_examples.py makes for units of them (without the pictures); and every searched
    layer's crop at its corners and middle."""
    from cnn.net.anatomy import anatomy as layer_anatomy
    from cnn.net.top_activations import top_activations
    from cnn.serving.example_files import example_files
    from cnn.serving.unit_examples import ExampleDigits
    from display.lecture import lecture_meta
    from display.unit_examples import crop_of, unit_examples_block

    network = load_network(DEFAULT_MODEL_PATH)
    images, labels = mnist.x_test[:count, ..., 0], mnist.y_test[:count].astype(np.int64)
    examples = top_activations(network, images, labels)
    pixels = (images * 255).round().astype(np.uint8)
    test_set = ExampleDigits(images=pixels, labels=labels, digest="fixture", source="the first test digits")
    wanted = {"conv2-5.bin", "pool2-9.bin", "conv3-1.bin", "dense-12.bin", "classes.bin"}
    files = {name: base64.b64encode(data).decode() for name, data in example_files(examples, labels) if name in wanted}
    anatomy = layer_anatomy(network)
    by_name = {layer.name: layer for layer in anatomy}
    meta = lecture_meta(anatomy, FeatureExtractor(network).layer_names)
    entries = {entry["name"]: entry for entry in meta["layers"]}
    entries["dense"] = meta["dense"]
    weights = {layer.name: (layer.kernel, layer.bias) for layer in network.layers if layer.kernel is not None}
    blocks = []
    for name, channel, row, column in (("conv2", 5, 3, 4), ("conv2", 5, 0, 10), ("pool2", 9, 2, 2), ("conv3", 1, 1, 0)):
        block = unit_examples_block(examples, test_set, by_name[name], weights, channel, row, column)
        blocks.append({"layer": name, "unit": [channel, row, column], "block": _without_pictures(block)})
    for name, channel in (("dense", 12), ("probabilities", 3)):
        block = unit_examples_block(examples, test_set, by_name[name], weights, channel)
        blocks.append({"layer": name, "unit": [channel, 0, 0], "block": _without_pictures(block)})
    crops = []
    for layer in anatomy:
        if layer.name not in entries:
            continue
        h, w = (layer.shape[0], layer.shape[1]) if layer.is_spatial else (1, 1)
        for row, column in {(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), (h // 2, w // 2)}:
            crop, field = crop_of(layer, row, column)
            crops.append(
                {
                    "layer": layer.name,
                    "row": row,
                    "column": column,
                    "crop": list(crop),
                    "field": list(field) if field else None,
                }
            )
    return {
        "written by": "tests/js_fixtures.py (python -m tests.js_fixtures); checked by tests/test_js_fixtures.py",
        "searched": count,
        "files": files,
        "layers": entries,
        "blocks": blocks,
        "crops": sorted(crops, key=lambda c: (c["layer"], c["row"], c["column"])),
    }


def _without_pictures(block: dict) -> dict:
    return {
        k: [{f: e[f] for f in e if f != "png"} for e in v] if k in ("examples", "most", "least") else v
        for k, v in block.items()
        if k != "filter"
    }


def as_json(data: dict) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    import os
    from pathlib import Path

    from cnn.files.mnist import load_mnist

    mnist = load_mnist(Path(os.environ.get("MNIST_NPZ", REPO.parent / "shared/data/mnist.npz")))
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(as_json(fixtures(mnist)))
    MAP_FIXTURE.write_text(as_json(digit_map_fixtures(mnist)))
    UNITS_FIXTURE.write_text(as_json(unit_digits_fixtures(mnist)))
    print(f"wrote {FIXTURE.relative_to(REPO)}, {MAP_FIXTURE.relative_to(REPO)} and {UNITS_FIXTURE.relative_to(REPO)}")
