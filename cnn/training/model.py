"""The seed convnet (Chollet, *Deep Learning with Python*) and the one way models are saved and
loaded: `.keras` files, written atomically, read in Keras' safe mode.
"""

import os
from pathlib import Path

import keras

from cnn import IMAGE_SIZE, NUM_CLASSES
from cnn.files.atomic import replacing

# ModelFileError is raised here too; it lives where the server (no Keras) can import it.
from cnn.net.network import ModelFileError, first_line

# Names that the feature extractor and the page look layers up by.
CONV_LAYER_NAMES = ("conv1", "conv2", "conv3")


def build_model() -> keras.Model:
    """The seed network, built with the Functional API so any layer's output can be asked for."""
    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1), name="image")
    x = keras.layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)  # (26, 26, 32)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)  # (13, 13, 32)
    x = keras.layers.Conv2D(64, 3, activation="relu", name="conv2")(x)  # (11, 11, 64)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)  # (5, 5, 64)
    x = keras.layers.Conv2D(64, 3, activation="relu", name="conv3")(x)  # (3, 3, 64)
    x = keras.layers.Flatten(name="flatten")(x)  # (576,)
    x = keras.layers.Dense(64, activation="relu", name="dense")(x)
    outputs = _probabilities(x)
    return keras.Model(inputs, outputs, name="mnist_convnet")


def build_mlp() -> keras.Model:
    """The notebook's dense network: every pixel connected to every hidden unit, no notion of
    neighbouring pixels. Same input shape as the convnet, so the same preprocessing feeds both."""
    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1), name="image")
    x = keras.layers.Flatten(name="pixels")(inputs)  # (784,)
    x = keras.layers.Dense(512, activation="relu", name="dense")(x)
    outputs = _probabilities(x)
    return keras.Model(inputs, outputs, name="mnist_mlp")


def _probabilities(x):
    """The softmax layer, always float32: built under a bfloat16 policy (TrainConfig.precision), a
    bfloat16 softmax would round probabilities near 1 and the loss with them (Keras' mixed-precision
    guide). Under float32 the argument changes nothing."""
    return keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities", dtype="float32")(x)


BUILDERS = {"convnet": build_model, "mlp": build_mlp}  # TrainConfig.arch -> the network it trains


def build(arch: str, precision: str = "float32") -> keras.Model:
    """BUILDERS[arch]'s network with its layers computing in `precision` (TrainConfig.PRECISIONS);
    the weights are float32 whatever it is. Keras' policy is global, so it is set only while building."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        return BUILDERS[arch]()
    finally:
        keras.config.set_dtype_policy(previous)


def in_float32(model: keras.Model, arch: str) -> keras.Model:
    """`model` itself if it computes in float32, else a float32 copy with the same weights: what is
    saved, evaluated and served (the page's numpy network computes in float32)."""
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model
    copy = BUILDERS[arch]()
    copy.set_weights(model.get_weights())
    return copy


def save_model_atomically(model: keras.Model, path: str | os.PathLike) -> None:
    """Write `model` to `path` so that a crash at any moment leaves the old file intact."""
    with replacing(path, suffix=".keras") as temporary:
        model.save(str(temporary))


def load_model(path: str | os.PathLike) -> keras.Model:
    """Load a `.keras` model in safe mode (no code from the file runs) and check it is ours."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"no model file at {path}; train one with `python -m cnn train --out {path}`")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a bad zip, bad JSON or bad weights
        raise ModelFileError(
            f"cannot load the model file {path}: {first_line(error)}; "
            f"retrain it with `python -m cnn train --out {path}`"
        ) from error
    expected = (None, IMAGE_SIZE, IMAGE_SIZE, 1), (None, NUM_CLASSES)
    if (tuple(model.input_shape), tuple(model.output_shape)) != expected:
        raise ModelFileError(
            f"{path} is not a 28x28 digit classifier (input {model.input_shape}, output {model.output_shape})"
        )
    return model
