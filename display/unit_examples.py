"""What one unit's panel shows of the test digits that excite it (cnn/net/top_activations.py): each
digit cropped around the unit's receptive field, the field outlined, with its activation.

    block = unit_examples_block(examples, test_set, layer, weights, channel=3, row=5, column=7)
    block["examples"][0]   # {"index", "digit", "activation", "png"}: the strongest first
    picture = examples_picture(block, test_set.images)  # RGB: the 9 enlarged, field outlined

A map unit's crop is its receptive field with some context (at least CONTEXT pixels a side: conv1's
3x3 alone is too small to see a stroke in), the same box for all nine since they are one unit's.
A Dense unit sees the whole digit. The softmax's units (the ten digits) get the digits of their
class the network is most and least sure of. No Streamlit, no Keras; the page draws `png`s itself.
"""

import base64

import numpy as np

from display.render import png_bytes

CONTEXT = 10  # input pixels shown along each side of a crop, at least
PICTURE_SCALE = 3  # screen pixels per input pixel in examples_picture (crops of 14 or less: more)
_GAP = 4
_OUTLINE = np.array([255, 59, 48], np.uint8)  # the close-up's red (static/js/lecture/inspector.js)


def crop_of(layer, row: int, column: int) -> tuple[tuple[int, int, int], tuple[int, int, int] | None]:
    """((top, left, size) of the crop in the image, (top, left, size) of the receptive field in
    the crop, or None when the crop is the whole field). layer: a LayerAnatomy."""
    if not layer.is_spatial or layer.receptive_field >= 28:
        return (0, 0, 28), None
    field, top, left = layer.receptive_field, row * layer.jump, column * layer.jump
    size = min(28, max(CONTEXT, field + 4))
    # Centred on the field, moved inside the image at its edges.
    crop_top = min(max(0, top - (size - field) // 2), 28 - size)
    crop_left = min(max(0, left - (size - field) // 2), 28 - size)
    return (crop_top, crop_left, size), (top - crop_top, left - crop_left, field)


def _example(images: np.ndarray, labels: np.ndarray, index: int, crop: tuple[int, int, int], score: float) -> dict:
    top, left, size = crop
    patch = np.asarray(images[index, top : top + size, left : left + size], dtype=np.uint8)
    return {
        "index": int(index),
        "digit": int(labels[index]),
        "activation": round(float(score), 4),
        "png": base64.b64encode(png_bytes(patch)).decode("ascii"),
    }


def unit_examples_block(examples, test_set, layer, weights: dict, channel: int = 0, row: int = 0, column: int = 0):
    """The panel's data for one unit of `layer` (a LayerAnatomy): for a map, `channel` at (`row`,
    `column`); for a Dense layer, unit `channel`. examples: TopActivations; test_set: ExampleDigits."""
    images, labels = test_set.images, test_set.labels
    crop, field = crop_of(layer, row, column)
    common = {"layer": layer.name, "channel": channel, "searched": examples.images, "crop": list(crop)}
    common["field"] = list(field) if field else None
    if layer.name not in examples.indices:  # the softmax: one digit's surest and least sure
        most, least = examples.most_convincing[channel], examples.least_convincing[channel]
        sure = examples.convincing_values[channel]
        return common | {
            "kind": "class",
            "most": [_example(images, labels, i, crop, p) for i, p in zip(most, sure[0], strict=True) if i >= 0],
            "least": [_example(images, labels, i, crop, p) for i, p in zip(least, sure[1], strict=True) if i >= 0],
        }
    at = (row, column, channel) if layer.is_spatial else (channel,)
    indices, values = examples.indices[layer.name][at], examples.values[layer.name][at]
    # A unit that stays at 0 on most digits has ties at 0: only the digits it fires on are shown.
    firing = [(i, v) for i, v in zip(indices, values, strict=True) if v > 0]
    block = common | {"kind": "map" if layer.is_spatial else "dense", "row": row, "column": column}
    block["examples"] = [_example(images, labels, i, crop, v) for i, v in firing]
    if layer.kind == "Conv2D" and layer.receptive_field == layer.window:  # reads the image itself
        block["filter"] = np.round(np.asarray(weights[layer.name][0][..., 0, channel], np.float64), 4).tolist()
    return block


def examples_picture(block: dict, images: np.ndarray, which: str = "examples") -> np.ndarray:
    """The block's digits (its `which` list) side by side, enlarged, the receptive field outlined:
    an RGB picture for the detailed view. images: the test set's (N, 28, 28) uint8."""
    top, left, size = block["crop"]
    scale = PICTURE_SCALE * (28 // size) if size <= 14 else PICTURE_SCALE  # small crops drawn bigger
    side = size * scale
    picture = np.full((side, max(1, len(block[which]) * (side + _GAP) - _GAP), 3), 255, np.uint8)
    for number, example in enumerate(block[which]):
        crop = images[example["index"], top : top + size, left : left + size]
        tile = np.repeat(crop[..., np.newaxis], 3, axis=2).repeat(scale, 0).repeat(scale, 1)
        if block["field"]:
            y, x, extent = (v * scale for v in block["field"])
            tile[y : y + extent, [x, x + extent - 1]] = _OUTLINE
            tile[[y, y + extent - 1], x : x + extent] = _OUTLINE
        start = number * (side + _GAP)
        picture[:, start : start + side] = tile
    return picture
