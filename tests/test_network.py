"""The numpy network the page runs (cnn/net/network.py) against Keras itself: same outputs at every
layer, same input gradient, on the shipped models and on fresh ones; and the layers it refuses
(missing and corrupt files: tests/test_model.py, for both loaders)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH
from cnn.net.network import ModelFileError, load_network, network_of
from cnn.training.model import build_model, load_model, save_model_atomically


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.x_test[:300]


@pytest.mark.parametrize("path", [DEFAULT_MODEL_PATH, DEFAULT_MLP_PATH], ids=["convnet", "dense net"])
def test_every_layer_equals_keras_on_the_shipped_models(path, digits):
    model, network = load_model(path), load_network(path)
    names = [layer.name for layer in network.layers]
    assert names == [layer.name for layer in model.layers[1:]]
    taps = keras.Model(model.inputs[0], [model.get_layer(name).output for name in names])
    expected = taps.predict(digits, verbose=0)
    ours = network.forward(digits)
    for name, want in zip(names, expected, strict=True):
        assert ours[name].shape == want.shape, name
        np.testing.assert_allclose(ours[name], want, atol=2e-5, rtol=1e-4, err_msg=name)
    assert network.parameters == model.count_params()


def test_predict_in_chunks_reads_the_whole_test_set_like_keras(mnist, shipped_model, shipped_network):
    ours = shipped_network.predict(mnist.x_test)
    theirs = shipped_model.predict(mnist.x_test, batch_size=1000, verbose=0)
    assert ours.shape == (10_000, 10)
    assert (ours.argmax(axis=1) == theirs.argmax(axis=1)).all()
    assert np.abs(ours - theirs).max() < 1e-4


def test_an_untrained_model_saved_and_read_back_equals_its_keras_twin(tmp_path):
    keras.utils.set_random_seed(3)
    model = build_model()
    path = tmp_path / "fresh.keras"
    save_model_atomically(model, path)
    images = np.random.default_rng(0).random((20, 28, 28, 1), dtype=np.float32)
    want = model(images).numpy()
    np.testing.assert_allclose(load_network(path).predict(images), want, atol=1e-6)
    np.testing.assert_allclose(network_of(model).predict(images), want, atol=1e-6)


def test_the_input_gradient_equals_tensorflows(shipped_model, shipped_network, digits):
    compared = 0
    for image in digits[:20, ..., 0]:
        probabilities = shipped_network.predict(image)[0]
        # Where p is within float32 rounding of 1, TensorFlow's log(p) has no usable gradient
        # (ours sums 1 - p from the other classes instead); compare everywhere else.
        for digit in np.flatnonzero((probabilities > 1e-4) & (probabilities < 0.999)):
            pixels = tf.constant(image[None, ..., None])
            with tf.GradientTape() as tape:
                tape.watch(pixels)
                log_p = tf.math.log(shipped_model(pixels)[0, digit])
            want = tape.gradient(log_p, pixels).numpy()[0, ..., 0]
            ours = shipped_network.input_gradient(image, int(digit))
            np.testing.assert_allclose(ours, want, atol=1e-4 * np.abs(want).max())
            compared += 1
    assert compared >= 5


def test_the_input_gradient_matches_finite_differences(shipped_network, digits):
    # A digit with faint noise everywhere: no ties in the pooling, no blank windows.
    image = np.clip(digits[1, ..., 0] + np.random.default_rng(1).random((28, 28)) * 0.1, 0, 1).astype(np.float32)
    asked = 3  # not the digit shown (a 2), so p is far from 0 and 1 alike in float32
    gradient = shipped_network.input_gradient(image, asked)
    step = 1e-3
    checked = 0
    for flat in np.argsort(-np.abs(gradient).ravel())[:8]:  # where the gradient is largest
        row, column = divmod(int(flat), 28)
        up, down = image.copy(), image.copy()
        up[row, column] += step
        down[row, column] -= step
        log_p = [np.log(shipped_network.predict(x)[0, asked].astype(np.float64)) for x in (up, down)]
        assert gradient[row, column] == pytest.approx((log_p[0] - log_p[1]) / (2 * step), rel=0.05)
        checked += 1
    assert checked == 8


def test_a_confident_answer_still_has_a_gradient(shipped_network, digits):
    image = digits[0, ..., 0]
    digit = int(shipped_network.predict(image)[0].argmax())
    assert np.abs(shipped_network.input_gradient(image, digit)).max() > 0


def _saved(tmp_path, outputs_of, shape=(28, 28, 1)) -> str:
    inputs = keras.Input(shape)
    path = tmp_path / "other.keras"
    keras.Model(inputs, outputs_of(inputs)).save(path)
    return path


@pytest.mark.parametrize(
    "layer,why",
    [
        (lambda: keras.layers.Lambda(lambda x: x * 2), "Lambda"),  # code in the file: never run
        (lambda: keras.layers.Conv2D(4, 3, padding="same"), "valid"),
        (lambda: keras.layers.Conv2D(4, 3, strides=2), "stride"),
        (lambda: keras.layers.Conv2D(4, 3, activation="tanh"), "tanh"),
        (lambda: keras.layers.MaxPooling2D(3, strides=2), "pooling"),
    ],
)
def test_layers_it_cannot_run_are_refused_not_run_wrongly(tmp_path, layer, why):
    def classifier(x):
        return keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(layer()(x)))

    with pytest.raises(ModelFileError, match=why):
        load_network(_saved(tmp_path, classifier))


def test_the_weights_every_session_shares_cannot_be_changed(tmp_path):
    network = load_network(DEFAULT_MODEL_PATH)
    for layer in network.layers:
        for weights in (layer.kernel, layer.bias):
            if weights is not None:
                with pytest.raises(ValueError, match="read-only"):
                    weights[...] = 0
