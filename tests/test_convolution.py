"""The convolution close-up recomputes exactly what the layer computed."""

import numpy as np
import pytest

from cnn.net.convolution import convolution_step


@pytest.mark.parametrize(("layer", "source"), [("conv1", None), ("conv2", "pool1"), ("conv3", "pool2")])
def test_close_up_equals_the_feature_map(shipped_model, extractor, mnist, layer, source):
    image = mnist.x_test[0, ..., 0]
    activations = extractor.run(image)
    layer_input = image if source is None else activations.maps[source]
    kernel, bias = shipped_model.get_layer(layer).get_weights()
    maps = activations.maps[layer]
    rng = np.random.default_rng(0)
    for _ in range(5):
        row, column = (int(v) for v in rng.integers(0, maps.shape[0], size=2))
        channel = int(rng.integers(0, maps.shape[2]))
        step = convolution_step(layer_input, kernel, bias, row, column, channel)
        assert step.output == pytest.approx(float(maps[row, column, channel]), abs=1e-4)
        assert step.products.shape == step.patch.shape == step.kernel.shape
        assert step.pre_activation == pytest.approx(step.products.sum() + step.bias)


def test_hand_computed_example():
    image = np.arange(25, dtype=np.float32).reshape(5, 5)  # the seed notebook's 5x5 picture
    kernel = np.zeros((3, 3, 1, 1), np.float32)
    kernel[1, :, 0, 0] = [1, 0, -1]  # a horizontal-gradient filter
    step = convolution_step(image, kernel, np.array([0.5]), row=1, column=1, channel=0)
    assert step.pre_activation == pytest.approx(11 - 13 + 0.5)  # 1*11 + 0*12 - 1*13 + bias
    assert step.output == 0.0  # ReLU of -1.5


def test_position_outside_is_refused():
    with pytest.raises(ValueError, match="outside"):
        convolution_step(np.zeros((5, 5)), np.zeros((3, 3, 1, 1)), np.zeros(1), 3, 0, 0)
