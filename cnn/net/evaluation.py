"""`test_loss, test_acc = model.evaluate(test_images, test_labels)`, the notebook's cell, done by
the numpy network the page serves (no Keras in the server): the mean categorical cross-entropy
and the accuracy over the test set.

    loss, accuracy = evaluate(network, x_test, y_test)

Keras clips each probability to [1e-7, 1 - 1e-7] before the logarithm; so does this, so the two
agree to float precision (tests/test_evaluation.py holds them together on the shipped model).
"""

import numpy as np

from cnn.net.network import Network

_EPSILON = 1e-7  # keras.backend.epsilon()
_CHUNK = 1000  # test digits per forward pass: a few MB of activations at a time


def evaluate(network: Network, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(loss, accuracy) of `network` on (N, 28, 28) images in [0, 1] with integer labels."""
    labels = np.asarray(labels).astype(np.int64).ravel()
    if len(labels) == 0:
        raise ValueError("nothing to evaluate on: no test digits")
    losses, right = 0.0, 0
    for start in range(0, len(labels), _CHUNK):
        probabilities = network.predict(images[start : start + _CHUNK]).astype(np.float64)
        chunk = labels[start : start + _CHUNK]
        picked = np.clip(probabilities[np.arange(len(chunk)), chunk], _EPSILON, 1 - _EPSILON)
        losses += float(-np.log(picked).sum())
        right += int((probabilities.argmax(axis=1) == chunk).sum())
    return losses / len(labels), right / len(labels)
