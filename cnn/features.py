"""One forward pass that returns every feature map the page shows, plus the softmax.

    extractor = FeatureExtractor(load_model(DEFAULT_MODEL_PATH))
    result = extractor.run(image_28x28)
    result.probabilities  # (10,)
    result.maps["conv1"]  # (26, 26, 32)

Built once per loaded model. The compiled graph costs about a millisecond per image where
`model.predict()` costs tens (it builds a data pipeline per call).

Every call runs on one long-lived worker thread, whichever thread asks: the page runs each
script in a new thread, where TensorFlow's per-thread start-up costs more than the forward pass
itself (2 ms against 0.6 ms), and one worker also means calls from many sessions never overlap.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from cnn import IMAGE_SIZE

# The layers whose outputs the page shows, in the order the story is told, input to softmax.
SHOWN_LAYERS = ("conv1", "pool1", "conv2", "pool2", "conv3")
DENSE_LAYER = "dense"  # the hidden Dense(64) between conv3 and the softmax
# The one thread all forward passes of this process run on (see the module docstring).
_INFERENCE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")


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
    def __init__(self, model: keras.Model, layer_names: tuple[str, ...] = SHOWN_LAYERS):
        names = [layer.name for layer in model.layers]
        # A network without some of these layers (the dense net has no maps at all) shows the
        # ones it has.
        self.layer_names = tuple(name for name in layer_names if name in names)
        # The hidden Dense layer is computed anyway; returning it costs nothing (models without one
        # still work: their `dense` is None).
        self._has_dense = DENSE_LAYER in names
        dense = [model.get_layer(DENSE_LAYER).output] if self._has_dense else []
        outputs = [model.get_layer(name).output for name in self.layer_names] + dense + [model.outputs[0]]
        self._model = keras.Model(model.inputs[0], outputs, name="feature_extractor")
        self._forward = tf.function(
            lambda images: self._model(images, training=False),
            input_signature=[tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE, 1), tf.float32)],
            jit_compile=True,
        )
        self._forward(tf.zeros((1, IMAGE_SIZE, IMAGE_SIZE, 1)))  # trace and compile now, not on the first stroke
        # Softmax only, for batches (the shift map's hundreds of moved copies): no maps to copy out.
        self._classify = tf.function(
            lambda images: model(images, training=False),
            input_signature=[tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE, 1), tf.float32)],
        )

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Each shown layer's map shape (H, W, C), as the layers promise it."""
        return {name: tuple(out.shape[1:]) for name, out in zip(self.layer_names, self._model.outputs, strict=False)}

    def run(self, image: np.ndarray) -> Activations:
        """Activations for one 28x28 image in [0, 1]."""
        return self.run_batch(np.asarray(image, dtype=np.float32)[np.newaxis])[0]

    def run_batch(self, images: np.ndarray) -> list[Activations]:
        """Activations for a batch of images shaped (N, 28, 28) or (N, 28, 28, 1)."""
        *maps, probabilities = self._compute(images)
        dense = maps.pop() if self._has_dense else None
        return [
            Activations(
                {name: layer[i] for name, layer in zip(self.layer_names, maps, strict=True)},
                probabilities[i],
                None if dense is None else dense[i],
            )
            for i in range(len(images))
        ]

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 10) softmax for many images; the maps are computed but not kept."""
        return self._compute(images)[-1]

    def classify(self, images: np.ndarray) -> np.ndarray:
        """(N, 10) softmax for a batch of images, in one model call and without the maps."""
        images = np.asarray(images, dtype=np.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)
        return _INFERENCE.submit(lambda: self._classify(tf.constant(images)).numpy()).result()

    def _compute(self, images: np.ndarray) -> list[np.ndarray]:
        images = np.asarray(images, dtype=np.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)
        return _INFERENCE.submit(self._forward_numpy, images).result()

    def _forward_numpy(self, images: np.ndarray) -> list[np.ndarray]:
        return [tensor.numpy() for tensor in self._forward(tf.constant(images))]
