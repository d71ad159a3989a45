"""The network's layer stack, and saving/loading through the one atomic helper."""

import numpy as np
import pytest

from cnn.net.network import load_network
from cnn.training.model import CONV_LAYER_NAMES, ModelFileError, build_model, load_model, save_model_atomically

# The seed notebook's stack, layer by layer: (type, output shape without the batch axis).
SEED_STACK = [
    ("Conv2D", (26, 26, 32)),
    ("MaxPooling2D", (13, 13, 32)),
    ("Conv2D", (11, 11, 64)),
    ("MaxPooling2D", (5, 5, 64)),
    ("Conv2D", (3, 3, 64)),
    ("Flatten", (576,)),
    ("Dense", (64,)),
    ("Dense", (10,)),
]


def test_layer_stack_is_the_seeds():
    model = build_model()
    layers = model.layers[1:]  # after the InputLayer
    assert [(type(layer).__name__, tuple(layer.output.shape[1:])) for layer in layers] == SEED_STACK
    assert [layer.name for layer in layers if type(layer).__name__ == "Conv2D"] == list(CONV_LAYER_NAMES)
    assert model.count_params() == 93_322
    assert layers[-1].activation.__name__ == "softmax"
    assert all(layers[i].activation.__name__ == "relu" for i in (0, 2, 4, 6))


def test_save_and_load_round_trip_predicts_identically(tmp_path):
    model = build_model()
    images = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    path = tmp_path / "model.keras"
    save_model_atomically(model, path)
    reloaded = load_model(path)
    np.testing.assert_array_equal(model(images).numpy(), reloaded(images).numpy())
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no temporary file left


def test_interrupted_save_leaves_the_old_model_loadable(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    old = build_model()
    save_model_atomically(old, path)
    before = path.read_bytes()

    new = build_model()
    real_save = type(new).save

    def crash_half_way(self, filepath, *args, **kwargs):
        real_save(self, filepath, *args, **kwargs)
        with open(filepath, "r+b") as handle:  # leave a half-written file, then die
            handle.truncate(1000)
        raise KeyboardInterrupt("killed during save")

    monkeypatch.setattr(type(new), "save", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        save_model_atomically(new, path)
    assert path.read_bytes() == before
    images = np.zeros((1, 28, 28, 1), np.float32)
    np.testing.assert_array_equal(load_model(path)(images).numpy(), old(images).numpy())
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


# Both ways a model file is read: Keras' (training, the CLI) and the page's numpy one.
LOADERS = pytest.mark.parametrize("load", [load_model, load_network], ids=["keras", "numpy"])


@LOADERS
def test_missing_model_file_says_how_to_make_one(tmp_path, load):
    with pytest.raises(ModelFileError, match="python -m cnn train"):
        load(tmp_path / "absent.keras")


@LOADERS
@pytest.mark.parametrize("content", [b"", b"garbage" * 100, b"PK\x03\x04 truncated zip"])
def test_corrupt_model_file_is_a_model_file_error(tmp_path, content, load):
    path = tmp_path / "broken.keras"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="cannot load"):
        load(path)


@LOADERS
def test_a_model_of_another_shape_is_refused(tmp_path, load):
    import keras

    inputs = keras.Input((32, 32, 3))
    other = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
    path = tmp_path / "other.keras"
    other.save(path)
    with pytest.raises(ModelFileError, match="not a 28x28 digit classifier"):
        load(path)


def test_shipped_model_is_the_seed_network(shipped_model):
    layers = shipped_model.layers[1:]
    assert [(type(layer).__name__, tuple(layer.output.shape[1:])) for layer in layers] == SEED_STACK
