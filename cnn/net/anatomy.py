"""What the network is made of, read from the model itself: every layer's name, kind, output
shape, parameter count, window and stride, and from those its receptive field on the input.

    layers = anatomy(network)
    layers[2].name, layers[2].shape, layers[2].receptive_field  # 'conv2', (11, 11, 64), 8

Nothing here is hard-coded to this network: a unit of a layer sees `receptive_field` input pixels
on a side, and neighbouring units are `jump` input pixels apart ('valid' padding, so the box of
unit (r, c) starts at (r * jump, c * jump): the browser draws it, static/js/lib/geometry.js).
"""

from dataclasses import dataclass

from cnn.net.network import Network


@dataclass(frozen=True)
class LayerAnatomy:
    name: str
    kind: str  # "Conv2D", "MaxPooling2D", "Flatten", "Dense"
    shape: tuple[int, ...]  # output shape without the batch axis: (H, W, C) or (units,)
    parameters: int
    window: int  # kernel or pool size along each side; 1 for layers without one
    stride: int
    receptive_field: int  # input pixels along each side that one unit depends on
    jump: int  # input pixels between neighbouring units
    activation: str | None = None  # "relu", "softmax", ...; None for layers without one

    @property
    def is_spatial(self) -> bool:
        return len(self.shape) == 3

    @property
    def shape_text(self) -> str:
        return " x ".join(str(d) for d in self.shape)


def anatomy(network: Network) -> list[LayerAnatomy]:
    """Every layer after the input, in the order the data flows. (cnn/net/network.py only loads
    square 'valid' convolutions and poolings, the kind these receptive fields describe.)"""
    layers, receptive_field, jump = [], 1, 1
    for layer in network.layers:
        if len(layer.shape) == 3:
            receptive_field += (layer.window - 1) * jump
            jump *= layer.stride
        elif layers and layers[-1].is_spatial:  # a flattened unit: the whole last map's field
            receptive_field += (layers[-1].shape[0] - 1) * jump
            jump = 0
        layers.append(
            LayerAnatomy(
                layer.name,
                layer.kind,
                layer.shape,
                layer.parameters,
                layer.window,
                layer.stride,
                receptive_field,
                jump,
                layer.activation,
            )
        )
    return layers


def layer_table(network: Network) -> list[dict]:
    """What Keras' `model.summary()` shows, as rows: layer, type, output shape, parameters."""
    rows = [{"layer": network.input_name, "type": "InputLayer", "output shape": "28 x 28 x 1", "parameters": 0}]
    for layer in anatomy(network):
        rows.append(
            {"layer": layer.name, "type": layer.kind, "output shape": layer.shape_text, "parameters": layer.parameters}
        )
    return rows
