"""Layer anatomy and receptive fields, read from the model, checked by brute force."""

import keras
import numpy as np
import pytest

from cnn.net.anatomy import anatomy, receptive_box
from cnn.net.features import FeatureExtractor
from cnn.net.network import ModelFileError, network_of
from cnn.training.model import build_model


def test_anatomy_matches_the_model_summary(shipped_model, shipped_network):
    layers = anatomy(shipped_network)
    assert [layer.name for layer in layers] == [layer.name for layer in shipped_model.layers[1:]]
    assert [layer.shape for layer in layers] == [tuple(layer.output.shape[1:]) for layer in shipped_model.layers[1:]]
    assert sum(layer.parameters for layer in layers) == shipped_model.count_params()


@pytest.fixture(scope="module")
def monotone_extractor():
    """The seed network with every weight 1 and every bias 0: on an all-ones input, raising one
    input pixel raises exactly the units whose receptive field holds it (ReLU and max pooling
    pass any increase on, because all values in a window are equal to start with)."""
    model = build_model()
    for layer in model.layers:
        if layer.get_weights():
            kernel, bias = layer.get_weights()
            layer.set_weights([np.ones_like(kernel), np.zeros_like(bias)])
    return FeatureExtractor(network_of(model)), network_of(model)


def test_receptive_fields_agree_with_perturbing_each_input_pixel(monotone_extractor):
    extractor, model = monotone_extractor
    base = extractor.run(np.ones((28, 28), np.float32))
    bumped = np.ones((784, 28, 28), np.float32)
    bumped[np.arange(784), np.arange(784) // 28, np.arange(784) % 28] = 2.0
    results = extractor.run_batch(bumped)
    layers = {layer.name: layer for layer in anatomy(model)}
    for name in ("conv1", "pool1", "conv2", "pool2", "conv3"):
        height, width, _ = base.maps[name].shape
        # changed[p, r, c]: did raising input pixel p change unit (r, c) of channel 0?
        changed = np.stack([r.maps[name][..., 0] > base.maps[name][..., 0] + 1e-3 for r in results])
        for row, column in [(0, 0), (height // 2, width // 3), (height - 1, width - 1)]:
            pixels = np.flatnonzero(changed[:, row, column])
            rows, columns = pixels // 28, pixels % 28
            top, left, size = receptive_box(layers[name], row, column)
            assert (rows.min(), columns.min()) == (top, left), name
            assert (rows.max() - rows.min() + 1, columns.max() - columns.min() + 1) == (size, size), name
    assert [layers[n].receptive_field for n in ("conv1", "pool1", "conv2", "pool2", "conv3")] == [3, 4, 8, 10, 18]


def test_a_position_outside_the_map_is_refused(shipped_network):
    conv3 = next(layer for layer in anatomy(shipped_network) if layer.name == "conv3")
    with pytest.raises(ValueError, match="outside"):
        receptive_box(conv3, 3, 0)


def test_layers_that_are_not_described_are_refused():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    with pytest.raises(ModelFileError, match="valid"):
        anatomy(network_of(keras.Model(inputs, outputs)))
