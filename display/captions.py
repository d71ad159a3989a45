"""The words the page puts beside each layer: a heading read from the model, and a sentence on
what the layer does for the story.

    layer_heading(layer)  # "conv1: Conv2D 3x3 + ReLU, 26 x 26 x 32"
"""

from cnn.net.anatomy import LayerAnatomy

# What each layer of the seed network does, for a class; a layer without a story gets none.
LAYER_STORY = {
    "conv1": "32 filters of 3x3 slide over the input: each lights up where it finds its pattern "
    "(an edge, a stroke direction).",
    "pool1": "Max pooling keeps the strongest response in each 2x2 patch: half the size, same channels.",
    "conv2": "64 filters combine the first layer's patterns into parts of digits (curves, corners, ends).",
    "pool2": "Pooling again: coarser, and less sensitive to exactly where a stroke is.",
    "conv3": "64 filters over a 3x3 grid: which large parts are present, roughly where. "
    "Dense layers turn this into the ten probabilities.",
}
_ACTIVATION_NAMES = {"relu": "ReLU", "softmax": "softmax", "sigmoid": "sigmoid", "tanh": "tanh"}


def layer_kind(layer: LayerAnatomy) -> str:
    """ "Conv2D 3x3 + ReLU", "MaxPooling2D 2x2", "Dense + softmax", ..."""
    text = layer.kind
    if layer.window > 1:
        text += f" {layer.window}x{layer.window}"
    if layer.activation and layer.activation != "linear":
        text += f" + {_ACTIVATION_NAMES.get(layer.activation, layer.activation)}"
    return text


def layer_heading(layer: LayerAnatomy) -> str:
    return f"{layer.name}: {layer_kind(layer)}, {layer.shape_text}"


def layer_story(layer: LayerAnatomy) -> str:
    return LAYER_STORY.get(layer.name, "")
