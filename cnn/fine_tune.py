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
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np

from cnn.atomic import replacing, write_text_atomically
from cnn.card import card_path_for, read_card, write_card
from cnn.mnist import Mnist
from cnn.model import load_model, save_model_atomically
from cnn.snapshots import snapshot_path_for
from cnn.training import TrainConfig, TrainingCancelled, TrainProgress, _ProgressReporter, shifted_test_accuracy

EPOCHS = 3
LEARNING_RATE = 1e-4
BATCH_SIZE = 64
CLASS_WEIGHT_SAMPLES = 3000  # the class's training drawings are repeated up to about this many
MNIST_MIX = 2  # MNIST digits per (repeated) class drawing
MIN_DRAWINGS = 10  # fewer than this is not a class data set


@dataclass(frozen=True)
class FineTuneReport:
    class_before: float  # accuracy on the held-out class drawings, before and after
    class_after: float
    mnist_before: float  # accuracy on the MNIST test set, before and after
    mnist_after: float
    trained_on: int  # class drawings trained on
    held_out: int  # class drawings judged on
    mnist_mixed: int  # MNIST digits mixed in
    fixed_ids: tuple[int, ...]  # held-out drawings read wrong before and right after
    broken_ids: tuple[int, ...]  # held-out drawings read right before and wrong after
    seconds: float
    shift_accuracy: dict[str, float] = field(default_factory=dict)  # the tuned model's, as in its card
    base_model: str = ""  # the fine-tuned model file's signature when it was read (model_signature)


def model_signature(model_path) -> str:
    """What tells us the model file was replaced since: its inode, size and modification time."""
    info = Path(model_path).stat()
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


@dataclass
class FineTuneResult:
    model: keras.Model
    report: FineTuneReport


def candidate_path_for(model_path) -> Path:
    """`assets/mnist_convnet.keras` -> `assets/mnist_convnet.candidate.keras`."""
    return Path(model_path).with_suffix(".candidate.keras")


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


def _report_path(candidate: Path) -> Path:
    return candidate.with_suffix(".json")


def save_candidate(result: FineTuneResult, model_path, base_model: str) -> Path:
    """Save the fine-tuned model beside the one in use, without replacing it. `base_model`: the
    signature of the model file it was tuned from, read before loading it."""
    candidate = candidate_path_for(model_path)
    save_model_atomically(result.model, candidate)
    report = replace(result.report, base_model=base_model)
    write_text_atomically(_report_path(candidate), json.dumps(asdict(report), indent=2) + "\n")
    return candidate


def pending_candidate(model_path) -> FineTuneReport | None:
    """The report of a fine-tuned model waiting for the lecturer's decision, if there is one."""
    candidate = candidate_path_for(model_path)
    try:
        raw = json.loads(_report_path(candidate).read_text(encoding="utf-8"))
        if not candidate.is_file():
            return None
        raw["fixed_ids"], raw["broken_ids"] = tuple(raw["fixed_ids"]), tuple(raw["broken_ids"])
        raw.setdefault("shift_accuracy", {})
        return FineTuneReport(**raw)
    except (OSError, ValueError, TypeError):
        return None


def adopt_candidate(model_path) -> FineTuneReport:
    """Put the fine-tuned model in use: checked, then atomically replacing the model and its card."""
    model_path = Path(model_path)
    candidate = candidate_path_for(model_path)
    report = pending_candidate(model_path)
    if report is None:
        raise ValueError("there is no fine-tuned model waiting (someone else may have chosen already)")
    if report.base_model != model_signature(model_path):
        raise ValueError(
            "the model in use was replaced after this fine-tune started (a retrain?), so this result "
            "would undo it; discard it and fine-tune again"
        )
    load_model(candidate)  # refuse a broken candidate before it replaces a working model
    card = read_card(card_path_for(model_path))
    with replacing(model_path, suffix=".keras") as temporary:
        shutil.copyfile(candidate, temporary)
    if card is not None:
        write_card(
            replace(
                card,
                test_accuracy=report.mnist_after,
                trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
                data_source=f"{card.data_source}, fine-tuned on {report.trained_on} class drawings",
                history={},
                shift_accuracy=report.shift_accuracy,
            ),
            card_path_for(model_path),
        )
    # The snapshots show how the old weights were learned, not these: "Watch it learn" must not
    # claim they end at the model in use.
    snapshot_path_for(model_path).unlink(missing_ok=True)
    discard_candidate(model_path)
    return report


def discard_candidate(model_path) -> None:
    candidate = candidate_path_for(model_path)
    for path in (candidate, _report_path(candidate)):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
