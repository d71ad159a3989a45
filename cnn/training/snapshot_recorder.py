"""The Keras side of "Watch it learn": a callback that takes the snapshots (cnn/files/snapshots.py)
while a model trains. Kept apart so that reading saved snapshots never imports TensorFlow.
"""

import time

import keras
import numpy as np

from cnn import IMAGE_SIZE
from cnn.files.snapshots import CHECK_DIGITS, TEMPLATE_UNITS, Snapshot, SnapshotHistory, snapshot_steps


def first_layer_weights(model: keras.Model) -> np.ndarray:
    """(h, w, 1, n): the first Conv2D's kernels, or the first Dense layer's templates."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            return np.asarray(layer.get_weights()[0])
        if isinstance(layer, keras.layers.Dense):
            kernel = np.asarray(layer.get_weights()[0])[:, :TEMPLATE_UNITS]  # (784, n)
            return kernel.reshape(IMAGE_SIZE, IMAGE_SIZE, 1, -1)
    raise ValueError(f"{model.name} has no Conv2D or Dense layer")


class SnapshotRecorder(keras.callbacks.Callback):
    def __init__(self, probe, x_check, y_check, steps_per_epoch: int, epochs: int, on_snapshot=None):
        super().__init__()
        self.probe = np.asarray(probe, dtype=np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE)
        self.x_check = np.asarray(x_check[:CHECK_DIGITS], dtype=np.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)
        self.y_check = np.asarray(y_check[:CHECK_DIGITS])
        self.steps_per_epoch = steps_per_epoch
        self.when = snapshot_steps(steps_per_epoch, epochs)
        self.on_snapshot = on_snapshot or (lambda snapshot: None)
        self.snapshots: list[Snapshot] = []
        self.step = 0
        self.seconds = 0.0  # spent taking snapshots, part of the training's wall time

    def on_train_begin(self, logs=None):
        self._take()

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step in self.when:
            self._take()

    def history(self) -> SnapshotHistory:
        return SnapshotHistory(self.probe, tuple(self.snapshots), len(self.y_check))

    def _take(self) -> None:
        started = time.perf_counter()
        inputs = np.concatenate([self.probe[np.newaxis, ..., np.newaxis], self.x_check])
        probabilities = np.asarray(self.model(inputs, training=False))
        accuracy = (
            float((probabilities[1:].argmax(axis=1) == self.y_check).mean()) if len(self.y_check) else float("nan")
        )
        snapshot = Snapshot(
            step=self.step,
            epoch=self.step / self.steps_per_epoch,
            accuracy=accuracy,
            weights=first_layer_weights(self.model).astype(np.float32),
            probe_probabilities=probabilities[0],
            checked=len(self.y_check),
        )
        self.snapshots.append(snapshot)
        self.seconds += time.perf_counter() - started
        self.on_snapshot(snapshot)
