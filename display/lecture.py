"""The lecture view's data: every layer's activations for one drawing as compact arrays, plus
what feeds each dense and softmax unit, as the browser draws them (static/js/lecture_view.js).

The page computes the drawing's part itself, from the network it runs (static/js/net/
lecture_payload.js, the port of `lecture_payload` here), so a stroke costs the server only
`lecture_meta`: names, shapes and sizes, the same for every drawing. `lecture_payload` stays as
the reference that port is tested against, and `quantise` serves the tests and benchmarks.

    meta = lecture_meta(layers, shown_layer_names)
    payload = lecture_payload(layers, weights, image, activations)
"""

import base64

import numpy as np

from display.closeup import strongest_positions

STRONGEST_INPUTS = 5  # per dense or softmax unit: the inputs that add the most to it


def quantise(values: np.ndarray) -> tuple[str, list[float]]:
    """(H, W, C) activations -> base64 of uint8 (C, H, W), each channel scaled by its own peak,
    and the peaks, so the browser can show every channel's pattern and its true strength."""
    peaks = values.max(axis=(0, 1))
    scale = 255.0 / np.where(peaks > 1e-6, peaks, np.inf)  # a dead channel stays 0
    pixels = np.clip(np.rint(values * scale), 0, 255).astype(np.uint8).transpose(2, 0, 1)
    return base64.b64encode(pixels.tobytes()).decode("ascii"), _rounded(peaks)


def _rounded(values: np.ndarray, digits: int = 4) -> list:
    """numpy -> plain JSON-ready lists, rounded (whole arrays at once: this runs on every stroke)."""
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def strongest_inputs(inputs: np.ndarray, kernel: np.ndarray, count: int = STRONGEST_INPUTS) -> list[list[list]]:
    """For each output unit of a Dense layer: its `count` largest contributions input x weight,
    as [input index, contribution], largest first. inputs: (N,); kernel: (N, units)."""
    contributions = inputs[:, np.newaxis] * kernel  # (N, units)
    top = np.argpartition(-contributions, count - 1, axis=0)[:count]  # (count, units), unordered
    order = np.argsort(-np.take_along_axis(contributions, top, axis=0), axis=0)
    top = np.take_along_axis(top, order, axis=0)  # largest first
    values = _rounded(np.take_along_axis(contributions, top, axis=0).T)  # (units, count)
    return [
        [list(pair) for pair in zip(indices, unit_values, strict=True)]
        for indices, unit_values in zip(top.T.tolist(), values, strict=True)
    ]


def lecture_meta(layers, shown) -> dict:
    """What the lecture view needs of the model itself, the same for every drawing: the entries of
    the layers in `shown` (names of the map layers the view draws), the dense and softmax layers',
    the parameter count. The page adds the drawing's numbers (static/js/net/lecture_payload.js)."""
    meta = {
        "layers": [_layer_entry(layer) for layer in layers if layer.name in shown],
        "parameters": sum(layer.parameters for layer in layers),
    }
    dense_layers = [layer for layer in layers if layer.kind == "Dense"]
    if len(dense_layers) == 2:
        meta["dense"], meta["output"] = (_layer_entry(layer) for layer in dense_layers)
    return meta


def lecture_payload(layers, weights: dict, image: np.ndarray, activations) -> dict:
    """Everything the lecture view draws for one drawing, as the server computes it: the reference
    the page's own computation (static/js/net/lecture_payload.js) is tested against.

    layers: the model's LayerAnatomy list; weights: layer name -> (kernel, bias);
    image: (28, 28) in [0, 1]; activations: cnn.net.features.Activations (with `dense`).
    """
    payload = lecture_meta(layers, activations.maps)
    for entry in payload["layers"]:
        maps = activations.maps[entry["name"]]
        entry["data"], entry["peaks"] = quantise(maps)
        entry["strongest"] = strongest_positions(maps)
    payload |= {
        "input": base64.b64encode((np.clip(image, 0, 1) * 255).round().astype(np.uint8).tobytes()).decode("ascii"),
        "probabilities": _rounded(activations.probabilities),
        "digit": activations.digit,
    }
    if "dense" in payload and activations.dense is not None:
        flat = activations.maps[payload["layers"][-1]["name"]].ravel()  # (row, column, channel) order
        dense = activations.dense
        peak = float(dense.max()) or 1.0
        payload["dense"] |= {
            "values": _rounded(dense),
            "scaled": _rounded(dense / peak, 3),
            "inputs": strongest_inputs(flat, weights[payload["dense"]["name"]][0]),
        }
        payload["output"]["inputs"] = strongest_inputs(dense, weights[payload["output"]["name"]][0])
    else:
        payload.pop("dense", None)
        payload.pop("output", None)
    return payload


def _layer_entry(layer) -> dict:
    return {
        "name": layer.name,
        "kind": layer.kind,
        "shape": list(layer.shape),
        "parameters": layer.parameters,
        "receptiveField": layer.receptive_field,
        "jump": layer.jump,
    }
