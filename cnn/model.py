"""The seed convnet (Chollet, *Deep Learning with Python*) and the one way models are saved and
loaded: `.keras` files, written atomically, read in Keras' safe mode.
"""

import os
import tempfile
import time
from pathlib import Path

import keras

from cnn import IMAGE_SIZE, NUM_CLASSES

# Names that the feature extractor and the page look layers up by.
CONV_LAYER_NAMES = ("conv1", "conv2", "conv3")
_PUBLIC_READ = 0o644
# A temporary file this old is what a killed save left behind (a save takes about a second).
_STALE_SECONDS = 3600


class ModelFileError(Exception):
    """A model file that is missing, unreadable or not this project's network."""


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
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="mnist_convnet")


def save_model_atomically(model: keras.Model, path: str | os.PathLike) -> None:
    """Write `model` to `path` so that a crash at any moment leaves the old file intact.

    The model goes to a temporary file in the same folder (same file system, so the rename is
    atomic), is flushed to disk, and only then replaces the old file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".keras")
    os.close(fd)
    os.chmod(tmp_name, _PUBLIC_READ)  # mkstemp makes it 0600; a model is not a secret
    try:
        model.save(tmp_name)
        _fsync_file(tmp_name)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    _remove_stale_temporaries(path)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files that killed saves of `path` left behind, so they do not pile up."""
    cutoff = time.time() - _STALE_SECONDS
    for leftover in path.parent.glob(f".{path.stem}-*.keras"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to delete


def load_model(path: str | os.PathLike) -> keras.Model:
    """Load a `.keras` model in safe mode (no code from the file runs) and check it is ours."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"no model file at {path}; train one with `python -m cnn train --out {path}`")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a bad zip, bad JSON or bad weights
        raise ModelFileError(
            f"cannot load the model file {path}: {_first_line(error)}; "
            f"retrain it with `python -m cnn train --out {path}`"
        ) from error
    expected = (None, IMAGE_SIZE, IMAGE_SIZE, 1), (None, NUM_CLASSES)
    if (tuple(model.input_shape), tuple(model.output_shape)) != expected:
        raise ModelFileError(
            f"{path} is not a 28x28 digit classifier (input {model.input_shape}, output {model.output_shape})"
        )
    return model


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


def _fsync_file(name: str) -> None:
    with open(name, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and harmless to skip.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def layer_table(model: keras.Model) -> list[dict]:
    """What `model.summary()` shows, as rows: layer, type, output shape, parameters."""
    return [
        {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output shape": " x ".join(str(d) for d in layer.output.shape[1:]),
            "parameters": layer.count_params(),
        }
        for layer in model.layers
    ]
