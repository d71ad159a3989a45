"""The feature extractor against the model it was built from."""

import numpy as np

from cnn.net.features import SHOWN_LAYERS


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
