"""The feature extractor against the model it was built from, and the feature-map grids."""

import numpy as np
import pytest

from cnn.net.features import SHOWN_LAYERS
from display.render import COLUMNS, colour_table, feature_grid, normalise_channels, tile_scale


def test_softmax_equals_the_models_own_output(shipped_model, extractor, mnist):
    images = mnist.x_test[:16]
    expected = shipped_model(images, training=False).numpy()
    np.testing.assert_allclose(extractor.probabilities(images), expected, atol=1e-5)
    single = extractor.run(images[3, ..., 0])
    np.testing.assert_allclose(single.probabilities, expected[3], atol=1e-5)
    assert single.digit == int(expected[3].argmax())


def test_maps_have_the_shapes_the_layers_promise(shipped_model, extractor):
    activations = extractor.run(np.zeros((28, 28), np.float32))
    assert tuple(activations.maps) == SHOWN_LAYERS
    for name, maps in activations.maps.items():
        assert maps.shape == tuple(shipped_model.get_layer(name).output.shape[1:])
    assert activations.maps["conv1"].shape == (26, 26, 32)
    assert activations.maps["conv3"].shape == (3, 3, 64)
    assert extractor.shapes["conv2"] == (11, 11, 64)


def test_maps_equal_the_layer_outputs_computed_by_keras(shipped_model, extractor, mnist):
    import keras

    image = mnist.x_test[:1]
    conv2 = keras.Model(shipped_model.inputs[0], shipped_model.get_layer("conv2").output)
    np.testing.assert_allclose(extractor.run(image[0, ..., 0]).maps["conv2"], conv2(image).numpy()[0], atol=1e-4)


def test_each_channel_is_normalised_on_its_own():
    maps = np.zeros((4, 4, 3), np.float32)
    maps[..., 0] = 2.0
    maps[0, 0, 1] = 0.5
    normalised = normalise_channels(maps)
    assert normalised[..., 0].max() == 1.0 and normalised[0, 0, 1] == 1.0
    assert not normalised[..., 2].any()  # a dead channel stays dark, no division by zero


@pytest.mark.parametrize("shape", [(26, 26, 32), (11, 11, 64), (3, 3, 64)])
def test_grid_holds_every_channel_coloured_and_crisp(shape):
    rng = np.random.default_rng(0)
    maps = rng.random(shape, dtype=np.float32)
    grid = feature_grid(maps)
    height, width, channels = shape
    scale = tile_scale(height)
    rows = -(-channels // COLUMNS)
    assert grid.dtype == np.uint8 and grid.shape[2] == 3
    assert grid.shape[0] > rows * height * scale and grid.shape[1] > COLUMNS * width * scale
    # The brightest pixel of a channel gets the colour map's last colour.
    assert (grid.reshape(-1, 3) == colour_table()[-1]).all(axis=1).sum() >= channels * scale * scale


def test_grid_tiles_show_the_maps_in_the_colour_map():
    maps = np.zeros((3, 3, 2), np.float32)
    maps[1, 1, 0] = 1.0  # channel 0: a bright centre; channel 1 dead
    grid = feature_grid(maps)
    table = colour_table()
    bright = (grid == table[-1]).all(axis=2)
    dark = (grid == table[0]).all(axis=2)
    scale = tile_scale(3)
    assert bright.sum() == scale * scale  # just the one pixel, enlarged
    assert dark.sum() == (9 + 8) * scale * scale


def test_grid_is_stable_for_the_same_input():
    maps = np.random.default_rng(1).random((11, 11, 64), dtype=np.float32)
    np.testing.assert_array_equal(feature_grid(maps), feature_grid(maps))
