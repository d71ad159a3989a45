"""The class's drawings as a data set in MNIST's layout, and the numbers the wall shows.

    blob = class_dataset_npz(store)     # x_train, y_train, x_test, y_test: uint8, like mnist.npz
    load_mnist(path_of_blob)            # reads it like MNIST itself

Every drawing whose id is a multiple of five is held out as the test part, so a fine-tune on the
class's drawings is judged on drawings it never trained on, and a drawing stays on its side of
the split when others are deleted.
"""

import io

import numpy as np

from classwall.store import WallStore

HOLD_OUT_EVERY = 5


def held_out(ids: np.ndarray) -> np.ndarray:
    """Boolean mask over drawing ids: which form the test part."""
    return np.asarray(ids) % HOLD_OUT_EVERY == 0


def class_dataset_npz(store: WallStore) -> bytes:
    ids, images, labels = store.images_and_labels()
    test = held_out(ids)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x_train=images[~test], y_train=labels[~test], x_test=images[test], y_test=labels[test])
    return buffer.getvalue()


def confusion(labels: np.ndarray, reads: np.ndarray) -> np.ndarray:
    """10x10 counts: rows the digit meant, columns the digit read."""
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (labels, reads), 1)
    return matrix


def accuracy(labels: np.ndarray, reads: np.ndarray) -> float | None:
    return float((labels == reads).mean()) if len(labels) else None
