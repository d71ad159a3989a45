"""The arithmetic of one output value of a Conv2D layer, laid out for a lecture: the input patch
under the 3x3 kernel, the kernel, their products, the sum plus bias, and the ReLU.

    step = convolution_step(layer_input, kernel, bias, row=5, column=7, channel=3)
    step.output  # equals the layer's feature map at (5, 7, 3)
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ConvolutionStep:
    patch: np.ndarray  # (3, 3, C_in): what the kernel covers
    kernel: np.ndarray  # (3, 3, C_in): the learned weights of this output channel
    products: np.ndarray  # (3, 3, C_in): patch * kernel, element by element
    per_input_channel: np.ndarray  # (C_in,): each input channel's share of the sum
    bias: float
    pre_activation: float  # sum of the products + bias
    output: float  # after ReLU: max(0, pre_activation)


def convolution_step(
    layer_input: np.ndarray, kernel: np.ndarray, bias: np.ndarray, row: int, column: int, channel: int
) -> ConvolutionStep:
    """One output value of a 'valid', stride-1 convolution followed by ReLU.

    layer_input: (H, W, C_in); kernel: (kh, kw, C_in, C_out) as Keras stores it; bias: (C_out,).
    (row, column) is the output position: the patch's top-left corner in the input.
    """
    height, width = kernel.shape[:2]
    if layer_input.ndim == 2:
        layer_input = layer_input[..., np.newaxis]
    if not (0 <= row <= layer_input.shape[0] - height and 0 <= column <= layer_input.shape[1] - width):
        raise ValueError(f"position ({row}, {column}) is outside the layer's output")
    patch = layer_input[row : row + height, column : column + width, :].astype(np.float64)
    weights = kernel[..., channel].astype(np.float64)
    products = patch * weights
    per_input_channel = products.sum(axis=(0, 1))
    pre_activation = float(per_input_channel.sum() + bias[channel])
    return ConvolutionStep(
        patch, weights, products, per_input_channel, float(bias[channel]), pre_activation, max(0.0, pre_activation)
    )
