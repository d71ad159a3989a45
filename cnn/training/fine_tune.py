"""Fine-tuning the convnet on a class's own drawings, mixed with MNIST so it does not forget,
judged honestly: on class drawings it never trained on, and on the MNIST test set.

    result = fine_tune(model, images, labels, ids, held_out_mask, mnist)   # images: (N, 28, 28) uint8
    result.report.class_before, result.report.class_after, result.report.mnist_after
    save_candidate(result, model_path, base)  # beside the model; the lecturer decides
    adopt_candidate(model_path)               # replaces the model atomically, with a new card,
                                              # unless the model changed since `base` was read

Small steps from the trained weights (Adam at 1e-4, a few epochs): the class's drawings are
repeated so they weigh as much as a few thousand MNIST digits, and MNIST digits are mixed in at
MNIST_MIX per class drawing.
"""

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras
import numpy as np

from cnn.files.atomic import write_text_atomically
from cnn.files.candidates import (  # noqa: F401 - the candidate's life after training, re-exported
    MIN_DRAWINGS,
    FineTuneReport,
    adopt_candidate,
    candidate_path_for,
    discard_candidate,
    model_signature,
    pending_candidate,
    report_path,
)
from cnn.files.mnist import Mnist
from cnn.training.model import save_model_atomically
from cnn.training.train import TrainConfig, TrainingCancelled, TrainProgress, _ProgressReporter, shifted_test_accuracy

EPOCHS = 3
LEARNING_RATE = 1e-4
BATCH_SIZE = 64
CLASS_WEIGHT_SAMPLES = 3000  # the class's training drawings are repeated up to about this many
MNIST_MIX = 2  # MNIST digits per (repeated) class drawing


@dataclass
class FineTuneResult:
    model: keras.Model
    report: FineTuneReport


def _accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    if not len(labels):
        return float("nan"), np.zeros(0, dtype=bool)
    reads = model.predict(images.reshape(-1, 28, 28, 1), batch_size=1000, verbose=0).argmax(axis=1)
    right = reads == labels
    return float(right.mean()), right


def fine_tune(
    model: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    ids: np.ndarray,
    held_out: np.ndarray,
    mnist: Mnist,
    on_progress: Callable[[TrainProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
) -> FineTuneResult:
    """Fine-tune a copy of `model`; `held_out` marks the class drawings kept out for judging."""
    if len(labels) < MIN_DRAWINGS:
        raise ValueError(f"fine-tuning needs at least {MIN_DRAWINGS} class drawings, not {len(labels)}")
    started = time.perf_counter()
    class_x = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28, 1) / 255.0
    class_y = np.asarray(labels, dtype=np.int64)
    train_x, train_y = class_x[~held_out], class_y[~held_out]
    judge_x, judge_y, judge_ids = class_x[held_out], class_y[held_out], np.asarray(ids)[held_out]

    tuned = keras.models.clone_model(model)
    tuned.set_weights(model.get_weights())
    class_before, right_before = _accuracy(model, judge_x, judge_y)
    mnist_before, _ = _accuracy(model, mnist.x_test, mnist.y_test)

    rng = np.random.default_rng(seed)
    repeats = max(1, CLASS_WEIGHT_SAMPLES // max(1, len(train_y)))
    mixed = min(len(mnist.y_train), MNIST_MIX * repeats * len(train_y))
    chosen = rng.choice(len(mnist.y_train), size=mixed, replace=False)
    x = np.concatenate([np.repeat(train_x, repeats, axis=0), mnist.x_train[chosen]])
    y = np.concatenate([np.repeat(train_y, repeats), mnist.y_train[chosen]])
    order = rng.permutation(len(y))
    x, y = x[order], y[order]

    config = TrainConfig(
        epochs=EPOCHS, batch_size=BATCH_SIZE, optimizer="adam", learning_rate=LEARNING_RATE, schedule="constant"
    )
    keras.utils.set_random_seed(seed)
    tuned.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    reporter = _ProgressReporter(config, len(y), on_progress, should_stop)
    tuned.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True, callbacks=[reporter], verbose=0)
    if reporter.cancelled:
        raise TrainingCancelled("fine-tuning cancelled; the current model is unchanged")

    class_after, right_after = _accuracy(tuned, judge_x, judge_y)
    mnist_after, _ = _accuracy(tuned, mnist.x_test, mnist.y_test)
    report = FineTuneReport(
        class_before=class_before,
        class_after=class_after,
        mnist_before=mnist_before,
        mnist_after=mnist_after,
        trained_on=int(len(train_y)),
        held_out=int(len(judge_y)),
        mnist_mixed=int(mixed),
        fixed_ids=tuple(int(i) for i in judge_ids[right_after & ~right_before]),
        broken_ids=tuple(int(i) for i in judge_ids[right_before & ~right_after]),
        seconds=round(time.perf_counter() - started, 2),
        shift_accuracy=shifted_test_accuracy(tuned, mnist),
    )
    return FineTuneResult(tuned, report)


def save_candidate(result: FineTuneResult, model_path, base_model: str) -> Path:
    """Save the fine-tuned model beside the one in use, without replacing it. `base_model`: the
    signature of the model file it was tuned from, read before loading it."""
    candidate = candidate_path_for(model_path)
    save_model_atomically(result.model, candidate)
    report = replace(result.report, base_model=base_model)
    write_text_atomically(report_path(candidate), json.dumps(asdict(report), indent=2) + "\n")
    return candidate
