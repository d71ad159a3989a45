"""One forward pass that returns every feature map the page shows, plus the softmax.

    extractor = FeatureExtractor(load_network(DEFAULT_MODEL_PATH))
    result = extractor.run(image_28x28)
    result.probabilities  # (10,)
    result.maps["conv1"]  # (26, 26, 32)

Built once per loaded model. The network runs in numpy (cnn/net/network.py): about 0.2 ms per image
on this machine, on whichever thread asks, with no TensorFlow in the server process.
"""

from dataclasses import dataclass

import numpy as np

from cnn.net.network import Network

# The layers whose outputs the page shows, in the order the story is told, input to softmax.
SHOWN_LAYERS = ("conv1", "pool1", "conv2", "pool2", "conv3")
DENSE_LAYER = "dense"  # the hidden Dense(64) between conv3 and the softmax


@dataclass(frozen=True)
class Activations:
    maps: dict[str, np.ndarray]  # layer name -> (H, W, C) float32
    probabilities: np.ndarray  # (10,) float32, sums to 1
    dense: np.ndarray | None = None  # (64,) float32: the hidden Dense layer, after its ReLU

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())


class FeatureExtractor:
    def __init__(self, network: Network, layer_names: tuple[str, ...] = SHOWN_LAYERS):
        names = [layer.name for layer in network.layers]
        # A network without some of these layers (the dense net has no maps at all) shows the
        # ones it has.
        self.layer_names = tuple(name for name in layer_names if name in names)
        # The hidden Dense layer is computed anyway; returning it costs nothing (models without one
        # still work: their `dense` is None).
        self._has_dense = DENSE_LAYER in names
        self.network = network

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Each shown layer's map shape (H, W, C), as the layers promise it."""
        return {name: self.network.layer(name).shape for name in self.layer_names}

    def run(self, image: np.ndarray) -> Activations:
        """Activations for one 28x28 image in [0, 1]."""
        return self.run_batch(np.asarray(image, dtype=np.float32)[np.newaxis])[0]

    def run_batch(self, images: np.ndarray) -> list[Activations]:
        """Activations for a batch of images shaped (N, 28, 28) or (N, 28, 28, 1)."""
        outputs = self.network.forward(images)
        probabilities = outputs[self.network.layers[-1].name]
        dense = outputs[DENSE_LAYER] if self._has_dense else None
        return [
            Activations(
                {name: outputs[name][i] for name in self.layer_names},
                probabilities[i],
                None if dense is None else dense[i],
            )
            for i in range(len(probabilities))
        ]

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 10) softmax for many images (in chunks: 10,000 test digits fit in memory)."""
        return self.network.predict(images)

    def classify(self, images: np.ndarray) -> np.ndarray:
        """(N, 10) softmax for a batch of images, without keeping the maps."""
        return self.network.predict(images)
