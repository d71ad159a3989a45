"""The MNIST loader: source order, normalisation, and one clear error per kind of bad file."""

import numpy as np
import pytest

from cnn.files.mnist import ENV_VAR, MnistError, load_mnist, resolve_path
from tests.support import make_mnist_arrays


def test_loads_float_images_in_unit_range_and_integer_labels(synthetic_npz):
    data = load_mnist(synthetic_npz)
    raw = make_mnist_arrays()
    assert data.x_train.shape == (60, 28, 28, 1) and data.x_train.dtype == np.float32
    assert data.x_test.shape == (20, 28, 28, 1)
    assert data.x_train.min() >= 0.0 and data.x_train.max() == 1.0
    np.testing.assert_allclose(data.x_train[..., 0] * 255, raw["x_train"], atol=1e-3)
    np.testing.assert_array_equal(data.y_test, raw["y_test"])
    assert len(data.sha256) == 64


def test_explicit_path_wins_over_environment(synthetic_npz, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere.npz"))
    assert resolve_path(synthetic_npz) == synthetic_npz
    assert load_mnist(synthetic_npz).source == str(synthetic_npz)


def test_environment_variable_is_used_when_no_path_given(synthetic_npz, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(synthetic_npz))
    assert load_mnist().source == str(synthetic_npz)


def test_without_a_file_keras_cached_copy_is_read(synthetic_npz, tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    cached = tmp_path / "datasets" / "mnist.npz"
    cached.write_bytes(synthetic_npz.read_bytes())
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    data = load_mnist()
    assert data.source == f"keras download ({cached})"
    assert len(data.y_test) == len(make_mnist_arrays()["y_test"])


def _write(tmp_path, **arrays):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    return path


def _arrays_with(**changes):
    arrays = make_mnist_arrays()
    arrays.update(changes)
    return {key: value for key, value in arrays.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"y_test": None}, "lacks the arrays y_test"),
        ({"x_train": np.zeros((60, 28, 27), np.uint8)}, "shaped"),
        ({"x_train": np.zeros((60, 28, 28), np.float32)}, "uint8"),
        ({"y_train": np.full(60, 10, np.uint8)}, "outside 0-9"),
        ({"y_train": np.zeros(59, np.uint8)}, "shaped"),
        ({"x_test": np.zeros((0, 28, 28), np.uint8), "y_test": np.zeros(0, np.uint8)}, "empty"),
    ],
    ids=["missing-key", "wrong-shape", "wrong-dtype", "bad-labels", "label-count", "empty"],
)
def test_malformed_arrays_get_a_clear_error(tmp_path, changes, message):
    path = _write(tmp_path, **_arrays_with(**changes))
    with pytest.raises(MnistError, match=message) as caught:
        load_mnist(path)
    assert ENV_VAR in str(caught.value)  # says how to point the loader at a good file


def test_missing_file(tmp_path):
    with pytest.raises(MnistError, match="does not exist"):
        load_mnist(tmp_path / "nope.npz")


def test_truncated_file(synthetic_npz, tmp_path):
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(synthetic_npz.read_bytes()[:2000])
    with pytest.raises(MnistError, match="truncated or corrupt"):
        load_mnist(truncated)


def test_file_that_is_not_an_npz(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("this is not numpy data\n")
    with pytest.raises(MnistError, match="not a readable"):
        load_mnist(text)


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, **_arrays_with(x_train=np.array([{"a": 1}], dtype=object)))
    with pytest.raises(MnistError):
        load_mnist(path)


def test_real_mnist_matches_its_published_label_counts(mnist):
    assert mnist.x_train.shape == (60000, 28, 28, 1)
    assert mnist.x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(mnist.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
