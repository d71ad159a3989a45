"""Helpers the tests share: where the repository is, small synthetic data sets, a copy of the
shipped model, and a stand-in for the canvas component. Fixtures built on them are in conftest.py.
"""

import shutil
import types
from pathlib import Path

import numpy as np

from cnn import DEFAULT_MODEL_PATH
from cnn.card import card_path_for

REPO = Path(__file__).resolve().parent.parent


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
