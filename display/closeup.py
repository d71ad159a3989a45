"""One unit of a feature map, explained: the numbers behind the value the lecture view shows.

    closeup = unit_closeup(layer, layer_input, weights, output_map, channel=3, row=5, column=7)

Conv2D: patch x kernel, summed, plus bias, ReLU. With many input channels (conv2, conv3) the
patch is 3x3xC: it is summed per input channel and the strongest channels are listed, not C
tables. MaxPooling2D: the window of the layer before and its maximum.
"""

import numpy as np

from cnn.net.convolution import convolution_step

STRONGEST_CHANNELS = 6


def _grid(values: np.ndarray) -> list[list[float]]:
    return np.round(np.asarray(values, dtype=np.float64), 4).tolist()


def strongest_positions(maps: np.ndarray) -> list[int]:
    """For each channel of (H, W, C) maps, where its strongest value is, as row * W + column (the
    first such position in reading order on a tie): the close-up's default point, so it never
    opens on a blank patch. The lecture view gets these in its payload (lib/geometry.js)."""
    return maps.reshape(-1, maps.shape[2]).argmax(axis=0).tolist()


def strongest_point(feature_map: np.ndarray) -> tuple[int, int]:
    """(row, column) of the strongest value of one (H, W) map."""
    row, column = divmod(strongest_positions(feature_map[..., np.newaxis])[0], feature_map.shape[1])
    return int(row), int(column)


def reading_closeup(loaded, reading, layer_name: str, channel: int, row: int, column: int) -> dict:
    """unit_closeup for one unit of what `loaded` (a LoadedModel) read (a Reading): the layer's
    input is the map of the layer before it, or the image for the first; its name comes along as
    `inputName`."""
    source = loaded.input_of(layer_name)
    layer_input = reading.image if source is None else reading.maps[source]
    closeup = unit_closeup(
        loaded.layer(layer_name), layer_input, loaded.weights, reading.maps[layer_name], channel, row, column
    )
    return closeup | {"inputName": source or "input"}


def unit_closeup(
    layer, layer_input: np.ndarray, weights: dict, output: np.ndarray, channel: int, row: int, column: int
) -> dict:
    """layer: LayerAnatomy; layer_input: (H, W) image or (H, W, C) maps feeding it; output: its
    (H, W, C) maps. Returns plain lists and numbers for the page."""
    if layer_input.ndim == 2:
        layer_input = layer_input[..., np.newaxis]
    height, width, channels = output.shape
    if not (0 <= channel < channels and 0 <= row < height and 0 <= column < width):
        raise ValueError(f"unit ({row}, {column}, {channel}) is outside {layer.name}'s {layer.shape_text} output")
    value = float(output[row, column, channel])
    common = {"layer": layer.name, "channel": channel, "row": row, "column": column, "value": round(value, 4)}
    if layer.kind == "MaxPooling2D":
        size, top, left = layer.window, row * layer.stride, column * layer.stride
        window = layer_input[top : top + size, left : left + size, channel]
        return common | {"kind": "pool", "window": _grid(window), "maximum": round(float(window.max()), 4)}
    kernel, bias = weights[layer.name]
    step = convolution_step(layer_input, kernel, bias, row, column, channel)
    closeup = common | {
        "kind": "conv",
        "inputChannels": int(step.patch.shape[2]),
        "sum": round(step.pre_activation - step.bias, 4),
        "bias": round(step.bias, 4),
        "preActivation": round(step.pre_activation, 4),
        "output": round(step.output, 4),
    }
    if step.patch.shape[2] == 1:
        return closeup | {
            "patch": _grid(step.patch[..., 0]),
            "kernel": _grid(step.kernel[..., 0]),
            "products": _grid(step.products[..., 0]),
        }
    order = np.argsort(-np.abs(step.per_input_channel))
    strongest = order[:STRONGEST_CHANNELS]
    return closeup | {
        "strongest": [
            {
                "channel": int(c),
                "share": round(float(step.per_input_channel[c]), 4),
                "patch": _grid(step.patch[..., c]),
                "kernel": _grid(step.kernel[..., c]),
            }
            for c in strongest
        ],
        "others": round(float(step.per_input_channel[order[STRONGEST_CHANNELS:]].sum()), 4),
    }
