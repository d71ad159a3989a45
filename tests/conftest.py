"""Shared fixtures: where real MNIST is, small synthetic data sets, and the shipped model."""

import os
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from cnn import DEFAULT_MODEL_PATH
from cnn.card import card_path_for

REPO = Path(__file__).resolve().parent.parent
# Where this workplace keeps MNIST; CI sets MNIST_NPZ to it as well.
_SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"


def pytest_configure(config):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """The real mnist.npz; a test that needs it fails in CI without it and skips elsewhere."""
    path = Path(os.environ.get("MNIST_NPZ") or _SHARED_MNIST)
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"MNIST not found at {path}: CI must set MNIST_NPZ")
        pytest.skip(f"MNIST not found at {path}; set MNIST_NPZ to run this test")
    return path


@pytest.fixture
def mnist_env(mnist_path, monkeypatch) -> Path:
    """MNIST_NPZ pointed at the real data, for pages and jobs that read it themselves."""
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    return mnist_path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from cnn.mnist import load_mnist

    return load_mnist(mnist_path)


@pytest.fixture(scope="session")
def shipped_model():
    from cnn.model import load_model

    return load_model(DEFAULT_MODEL_PATH)


def make_mnist_arrays(train: int = 60, test: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    """Keras' mnist.npz layout, with a learnable pattern: digit k lights up column block k."""
    rng = np.random.default_rng(seed)

    def split(count):
        labels = rng.integers(0, 10, size=count).astype(np.uint8)
        images = rng.integers(0, 40, size=(count, 28, 28)).astype(np.uint8)
        for image, label in zip(images, labels, strict=True):
            image[4:24, 2 + 2 * label : 4 + 2 * label] = 255
        return images, labels

    x_train, y_train = split(train)
    x_test, y_test = split(test)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


@pytest.fixture
def synthetic_npz(tmp_path) -> Path:
    path = tmp_path / "mnist.npz"
    np.savez(path, **make_mnist_arrays())
    return path


@pytest.fixture(scope="session")
def extractor(shipped_model):
    from cnn.features import FeatureExtractor

    return FeatureExtractor(shipped_model)


def copy_shipped_model(folder: Path) -> Path:
    """The shipped model and its card, copied into `folder`, for tests that may overwrite them."""
    path = folder / "model.keras"
    shutil.copy(DEFAULT_MODEL_PATH, path)
    shutil.copy(card_path_for(DEFAULT_MODEL_PATH), card_path_for(path))
    return path


class FakeCanvas:
    """Stands in for streamlit_drawable_canvas (which only works in a browser) in AppTest runs:
    st_canvas returns `self.drawing`."""

    def __init__(self):
        self.drawing = None
        self.keys = []
        self.module = types.ModuleType("streamlit_drawable_canvas")
        self.module.st_canvas = self.st_canvas

    def st_canvas(self, **kwargs):
        self.keys.append(kwargs["key"])
        assert kwargs["width"] == kwargs["height"] == 280 and kwargs["return_image_data"]
        return types.SimpleNamespace(image_data=self.drawing, json_data={"objects": []})


@pytest.fixture
def canvas(monkeypatch) -> FakeCanvas:
    fake = FakeCanvas()
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake.module)
    return fake


@pytest.fixture
def model_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped model that the page under test uses and may retrain."""
    path = copy_shipped_model(tmp_path)
    monkeypatch.setenv("CNN_MODEL_PATH", str(path))
    return path


@pytest.fixture(scope="module")
def playwright():
    """One per browser test module: Playwright's sync API cannot be started twice at once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def app_url():
    """The real app, served by `streamlit run` for one test module."""
    from tests.browser import running_app

    with running_app() as url:
        yield url
