"""One drawing, read once: the input as prepared, every layer's output and the probabilities.

    reading = read(loaded.extractor, preprocess(drawing))
    reading.image, reading.maps["conv2"], reading.dense, reading.digit

The page runs the model once per drawing into this object and hands it to every section; no
section calls the model again.
"""

from dataclasses import dataclass

import numpy as np

from cnn.net.features import Activations, FeatureExtractor
from cnn.net.preprocess import Preprocessed


@dataclass(frozen=True)
class Reading:
    prepared: Preprocessed  # the preprocessing steps, and the (28, 28) input in `prepared.image`
    activations: Activations  # every shown layer's maps, the dense layer and the softmax

    @property
    def image(self) -> np.ndarray:
        return self.prepared.image

    @property
    def maps(self) -> dict[str, np.ndarray]:
        return self.activations.maps

    @property
    def dense(self) -> np.ndarray | None:
        return self.activations.dense

    @property
    def probabilities(self) -> np.ndarray:
        return self.activations.probabilities

    @property
    def digit(self) -> int:
        return self.activations.digit

    @property
    def confidence(self) -> float:
        return self.activations.confidence


def read(extractor: FeatureExtractor, prepared: Preprocessed) -> Reading:
    """One forward pass for a prepared, non-empty input."""
    if prepared.is_empty:
        raise ValueError(f"nothing to read: {prepared.message}")
    return Reading(prepared, extractor.run(prepared.image))
