"""What a running training reports, and how it is told to stop: plain data, so the page (and the
process that watches a training run in another process) can read them without TensorFlow.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainProgress:
    kind: str  # "batch" or "epoch"
    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based batches done in this epoch
    batches_per_epoch: int
    loss: float
    accuracy: float
    fraction_done: float  # of the whole training, 0..1
    val_loss: float | None = None
    val_accuracy: float | None = None


class TrainingCancelled(Exception):
    """Raised by `train` when `should_stop` said so; nothing was saved."""
