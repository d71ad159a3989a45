"""The lecture view's data: every layer's activations for one drawing as compact arrays that the
browser draws itself (static/js/lecture_view.js), plus what feeds each dense and softmax unit.

Sending arrays rather than pictures keeps the server's work per stroke to quantising ~38,000
numbers (no PNG encoding) and the message to ~50 kB.

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


def lecture_payload(layers, weights: dict, image: np.ndarray, activations) -> dict:
    """Everything the lecture view draws for one drawing.

    layers: the model's LayerAnatomy list; weights: layer name -> (kernel, bias);
    image: (28, 28) in [0, 1]; activations: cnn.net.features.Activations (with `dense`).
    """
    shown = []
    for layer in layers:
        if layer.name in activations.maps:
            maps = activations.maps[layer.name]
            data, peaks = quantise(maps)
            shown.append(_layer_entry(layer) | {"data": data, "peaks": peaks, "strongest": strongest_positions(maps)})
    payload = {
        "input": base64.b64encode((np.clip(image, 0, 1) * 255).round().astype(np.uint8).tobytes()).decode("ascii"),
        "layers": shown,
        "probabilities": _rounded(activations.probabilities),
        "digit": activations.digit,
        "parameters": sum(layer.parameters for layer in layers),
    }
    dense_layers = [layer for layer in layers if layer.kind == "Dense"]
    if activations.dense is not None and len(dense_layers) == 2:
        hidden, output = dense_layers
        flat = activations.maps[_last_map(layers, activations)].ravel()  # (row, column, channel) order
        dense = activations.dense
        peak = float(dense.max()) or 1.0
        payload["dense"] = _layer_entry(hidden) | {
            "values": _rounded(dense),
            "scaled": _rounded(dense / peak, 3),
            "inputs": strongest_inputs(flat, weights[hidden.name][0]),
        }
        payload["output"] = _layer_entry(output) | {"inputs": strongest_inputs(dense, weights[output.name][0])}
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


def _last_map(layers, activations) -> str:
    return [layer.name for layer in layers if layer.name in activations.maps][-1]
