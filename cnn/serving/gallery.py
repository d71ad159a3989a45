"""MNIST test digits as inputs for the page: at random, of a chosen class, or ones the current
model gets wrong. The test split is loaded once; which digits are wrong is worked out once per
model (one batched pass over the 10,000 images, about a second).
"""

import threading
import weakref

import numpy as np

from cnn.files.mnist import Mnist
from cnn.net.features import FeatureExtractor


class GalleryDigits:
    def __init__(self, data: Mnist):
        self.images = data.x_test[..., 0]  # (N, 28, 28) float32 in [0, 1]
        self.labels = data.y_test
        # What each model reads every test digit as, worked out once per model.
        self._predicted: weakref.WeakKeyDictionary[FeatureExtractor, np.ndarray] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.labels)

    def pick(self, rng: np.random.Generator, digit: int | None = None, avoid: int | None = None) -> int:
        """A random index, of the given class if one is given, other than `avoid` if possible."""
        candidates = np.flatnonzero(self.labels == digit) if digit is not None else np.arange(len(self))
        return pick_other(rng, candidates, avoid)

    def predicted(self, extractor: FeatureExtractor) -> np.ndarray:
        """(N,) the digit this model reads in each test image."""
        with self._lock:
            if extractor not in self._predicted:
                self._predicted[extractor] = extractor.probabilities(self.images).argmax(axis=1)
            return self._predicted[extractor]

    def misclassified(self, extractor: FeatureExtractor) -> np.ndarray:
        """Indices of the test digits this model gets wrong, in test-set order."""
        return np.flatnonzero(self.predicted(extractor) != self.labels)

    def confusion(self, extractor: FeatureExtractor) -> np.ndarray:
        """(10, 10) counts: row = the true digit, column = what the model read."""
        matrix = np.zeros((10, 10), dtype=np.int64)
        np.add.at(matrix, (self.labels, self.predicted(extractor)), 1)
        return matrix


def pick_other(rng: np.random.Generator, candidates: np.ndarray, avoid: int | None) -> int:
    """A random candidate; not `avoid` unless it is the only one ("Another one" must change)."""
    if len(candidates) > 1 and avoid is not None:
        candidates = candidates[candidates != avoid]
    return int(rng.choice(candidates))
