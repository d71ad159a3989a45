"""Layer anatomy and receptive fields, read from the model, checked by brute force."""

import keras
import pytest

from cnn.net.anatomy import anatomy
from cnn.net.network import ModelFileError, network_of
from tests.js_fixtures import perturbed_boxes


def test_anatomy_matches_the_model_summary(shipped_model, shipped_network):
    layers = anatomy(shipped_network)
    assert [layer.name for layer in layers] == [layer.name for layer in shipped_model.layers[1:]]
    assert [layer.shape for layer in layers] == [tuple(layer.output.shape[1:]) for layer in shipped_model.layers[1:]]
    assert sum(layer.parameters for layer in layers) == shipped_model.count_params()


def test_receptive_fields_and_jumps_agree_with_perturbing_each_input_pixel(shipped_network):
    # The browser draws the box of unit (r, c) from these two numbers (static/js/lib/geometry.js,
    # tested by node against the same perturbed boxes in tests/js/fixtures/lecture.json).
    layers = {layer.name: layer for layer in anatomy(shipped_network)}
    names = ("conv1", "pool1", "conv2", "pool2", "conv3")
    for name, boxes in perturbed_boxes(shipped_network, names).items():
        assert {size for *_, size in boxes} == {layers[name].receptive_field}, name
        (_, _, top0, left0, _), *rest = boxes
        assert (top0, left0) == (0, 0), name
        for row, column, top, left, _ in rest:
            assert (top, left) == (row * layers[name].jump, column * layers[name].jump), name
    assert [layers[n].receptive_field for n in names] == [3, 4, 8, 10, 18]
    assert [layers[n].jump for n in names] == [1, 2, 2, 4, 4]


def test_layers_that_are_not_described_are_refused():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    with pytest.raises(ModelFileError, match="valid"):
        anatomy(network_of(keras.Model(inputs, outputs)))
