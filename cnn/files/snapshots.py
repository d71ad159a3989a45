"""Watching a network learn: during training, a few snapshots of its first layer's weights, its
accuracy so far and its reading of one probe digit; saved beside the model as a small .npz.

    # taking them, in the training child (cnn/training/snapshot_recorder.py):
    recorder = SnapshotRecorder(probe, x_check, y_check, steps_per_epoch, on_snapshot=show)
    model.fit(..., callbacks=[recorder])
    recorder.history().save(snapshot_path_for(model_path))
    SnapshotHistory.load(snapshot_path_for(model_path))   # None for models trained before this

When: before the first step, after steps 1, 2, 4, 8, ... (the first filters change fastest) and
at every quarter epoch. For the convnet, the first layer's weights are its 32 3x3 filters; for
the dense net, the 28x28 weight templates of its first TEMPLATE_UNITS hidden units.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn import IMAGE_SIZE
from cnn.files.atomic import replacing

SNAPSHOTS_PER_EPOCH = 4
TEMPLATE_UNITS = 8  # dense-net hidden units whose templates are kept (784 weights each)
CHECK_DIGITS = 1000  # test digits the accuracy so far is measured on


@dataclass(frozen=True, eq=False)  # compared by identity: hashable, so its picture can be cached
class Snapshot:
    step: int  # optimizer steps done
    epoch: float  # epochs done, fractional
    accuracy: float  # on the check digits
    weights: np.ndarray  # (h, w, 1, n): the first layer's filters or templates
    probe_probabilities: np.ndarray  # (10,): the probe digit, as read at this point
    checked: int = CHECK_DIGITS  # how many test digits `accuracy` was measured on


@dataclass(frozen=True)
class SnapshotHistory:
    probe: np.ndarray  # (28, 28) in [0, 1]: the digit that was on the canvas when training began
    snapshots: tuple[Snapshot, ...]
    check_digits: int = CHECK_DIGITS

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically. Weights go in as int8 with one scale per snapshot: their pictures
        have 256 colours anyway, and it keeps the dense net's file under 100 KB."""
        weights = np.stack([s.weights for s in self.snapshots])
        scales = np.abs(weights).reshape(len(weights), -1).max(axis=1)
        scales[scales == 0] = 1.0
        quantised = np.round(weights / scales.reshape(-1, *[1] * (weights.ndim - 1)) * 127).astype(np.int8)
        with replacing(path, suffix=".npz") as temporary:
            with open(temporary, "wb") as file:
                np.savez_compressed(
                    file,
                    probe=(self.probe * 255).round().astype(np.uint8),
                    step=np.array([s.step for s in self.snapshots], dtype=np.int32),
                    epoch=np.array([s.epoch for s in self.snapshots], dtype=np.float32),
                    accuracy=np.array([s.accuracy for s in self.snapshots], dtype=np.float32),
                    weights=quantised,
                    weight_scale=scales.astype(np.float32),
                    probe_probabilities=np.stack([s.probe_probabilities for s in self.snapshots]).astype(np.float16),
                    check_digits=np.array(self.check_digits),
                )

    @staticmethod
    def load(path: str | os.PathLike) -> "SnapshotHistory | None":
        """The history at `path`; None when there is none or it cannot be read (it is optional)."""
        try:
            with np.load(Path(path), allow_pickle=False) as arrays:
                check_digits = int(arrays["check_digits"])
                snapshots = tuple(
                    Snapshot(
                        int(step),
                        float(epoch),
                        float(accuracy),
                        weights * (scale / 127),
                        probabilities.astype(np.float32),
                        check_digits,
                    )
                    for step, epoch, accuracy, weights, scale, probabilities in zip(
                        arrays["step"],
                        arrays["epoch"],
                        arrays["accuracy"],
                        arrays["weights"].astype(np.float32),
                        arrays["weight_scale"],
                        arrays["probe_probabilities"],
                        strict=True,
                    )
                )
                probe = arrays["probe"].astype(np.float32) / 255.0
        except (OSError, KeyError, ValueError, TypeError):
            return None
        if not snapshots or probe.shape != (IMAGE_SIZE, IMAGE_SIZE):
            return None
        return SnapshotHistory(probe, snapshots, check_digits)


def snapshot_path_for(model_path: str | os.PathLike) -> Path:
    """`assets/mnist_convnet.keras` -> `assets/mnist_convnet.snapshots.npz`."""
    return Path(model_path).with_suffix(".snapshots.npz")


def snapshot_steps(steps_per_epoch: int, epochs: int) -> set[int]:
    """0, the powers of two, and every quarter epoch, up to the last step."""
    total = steps_per_epoch * epochs
    steps = {0} | {2**k for k in range(total.bit_length()) if 2**k <= total}
    quarter = steps_per_epoch / SNAPSHOTS_PER_EPOCH
    steps |= {min(total, max(1, round(quarter * k))) for k in range(1, SNAPSHOTS_PER_EPOCH * epochs + 1)}
    return steps
