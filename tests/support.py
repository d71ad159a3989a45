"""Helpers the tests share: where the repository is, small synthetic data sets, a copy of the
shipped model. Fixtures built on them are in conftest.py; the stand-in for the canvas component
is harness/fake_canvas.py.
"""

import shutil
from pathlib import Path

import numpy as np

from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH
from cnn.files.card import card_path_for
from cnn.files.snapshots import snapshot_path_for

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


def copy_shipped_model(folder: Path, shipped: Path = DEFAULT_MODEL_PATH, name: str = "model.keras") -> Path:
    """A shipped model with its card and snapshots, copied into `folder`, for tests that may
    overwrite them."""
    path = folder / name
    shutil.copy(shipped, path)
    shutil.copy(card_path_for(shipped), card_path_for(path))
    shutil.copy(snapshot_path_for(shipped), snapshot_path_for(path))
    return path


def copy_shipped_dense_net(folder: Path) -> Path:
    return copy_shipped_model(folder, DEFAULT_MLP_PATH, "mlp.keras")
