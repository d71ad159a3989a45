"""Training the convnet: one config object, progress reported through a callback, cancellable
between batches, and a save that never leaves a half-written model behind.

    from cnn.training.train import TrainConfig, train_and_save
    card = train_and_save(TrainConfig(epochs=5), load_mnist(), "assets/mnist_convnet.keras")
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import keras
import numpy as np
import tensorflow as tf

from cnn.config import ARCHITECTURES, OPTIMIZERS, PRECISIONS, SCHEDULES, TrainConfig, with_overrides  # noqa: F401 (re-exported)
from cnn.files.candidates import model_signature
from cnn.files.card import ModelCard, card_path_for, write_card
from cnn.files.mnist import Mnist
from cnn.files.snapshots import Snapshot, SnapshotHistory, snapshot_path_for
from cnn.jobs.progress import TrainingCancelled, TrainProgress  # noqa: F401 - part of this module's interface
from cnn.net.shifts import shift_accuracies
from cnn.training.model import build, in_float32, save_model_atomically
from cnn.training.phases import Phases
from cnn.training.snapshot_recorder import SnapshotRecorder


@dataclass
class TrainResult:
    model: keras.Model  # float32 whatever config.precision trained it in: the model as saved and served
    history: dict[str, list[float]]
    test_loss: float
    test_accuracy: float
    training_seconds: float
    epochs_done: int
    snapshots: SnapshotHistory | None = None


ProgressCallback = Callable[[TrainProgress], None]
SnapshotCallback = Callable[[Snapshot], None]


_WARMUP_FRACTION = 0.1  # of all steps, for the cosine schedule
_WARMUP_START = 0.1  # warm-up starts at this fraction of the peak rate


def learning_rate_for(config: TrainConfig, train_samples: int):
    """A constant rate, or a warm-up then cosine-decay schedule over the whole training."""
    if config.schedule == "constant":
        return config.learning_rate
    total = config.steps_per_epoch(train_samples) * config.epochs
    warmup = max(1, int(total * _WARMUP_FRACTION))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate * _WARMUP_START,
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
        decay_steps=max(1, total - warmup),
        alpha=0.0,
    )


def compile_model(model: keras.Model, config: TrainConfig, train_samples: int = 60_000) -> None:
    optimizer = keras.optimizers.get(
        {
            "class_name": config.optimizer,
            "config": {"learning_rate": learning_rate_for(config, train_samples)},
        }
    )
    # Integer labels with sparse cross-entropy: the same loss as the seed's one-hot
    # categorical cross-entropy, without materialising the one-hot matrix.
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(loss, accuracy) of `model` on the given images, whatever it was compiled with."""
    if not model.compiled:
        compile_model(model, TrainConfig())
    loss, accuracy = model.evaluate(images, labels, batch_size=1000, verbose=0)
    return float(loss), float(accuracy)


def train(
    config: TrainConfig,
    data: Mnist,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    callbacks: tuple[keras.callbacks.Callback, ...] = (),
    probe: np.ndarray | None = None,
    on_snapshot: SnapshotCallback | None = None,
    phases: Phases | None = None,
) -> TrainResult:
    """Train a fresh network on `data.x_train` and evaluate it on `data.x_test`.

    `on_progress` is called after every batch and every epoch; `should_stop` is polled after
    every batch, and when it returns True training stops and `TrainingCancelled` is raised.
    `callbacks` are more Keras callbacks (the benchmarks use one to evaluate every epoch).
    Snapshots of the first layer and of the reading of `probe` (the drawing on the canvas when
    training began; the first test digit if none) are taken as it learns, each passed to
    `on_snapshot` as it is taken. `phases`, if given, is told where the time went.
    """
    phases = phases if phases is not None else Phases()
    started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    model = build(config.arch, config.precision)
    compile_model(model, config, len(data.y_train))
    reporter = _ProgressReporter(config, len(data.y_train), on_progress, should_stop)
    recorder = SnapshotRecorder(
        data.x_test[0] if probe is None else probe,
        data.x_test,
        data.y_test,
        config.steps_per_epoch(len(data.y_train)),
        config.epochs,
        on_snapshot,
    )
    train_set, validation_set = _datasets(data, config)
    phases.add("build", time.perf_counter() - started)
    started = time.perf_counter()
    fit = model.fit(
        train_set,
        validation_data=validation_set,
        epochs=config.epochs,
        shuffle=False,  # the dataset shuffles itself
        callbacks=[reporter, recorder, *callbacks],
        verbose=0,
    )
    seconds = time.perf_counter() - started
    phases.add("fit", seconds - recorder.seconds)
    phases.add("snapshots", recorder.seconds)
    if reporter.cancelled:
        raise TrainingCancelled(f"training cancelled in epoch {reporter.epoch} of {config.epochs}")
    with phases("evaluate"):
        model = in_float32(model, config.arch)  # the model as it is saved and served
        test_loss, test_accuracy = evaluate(model, data.x_test, data.y_test)
    history = {name: [float(v) for v in values] for name, values in fit.history.items()}
    return TrainResult(model, history, test_loss, test_accuracy, seconds, len(fit.epoch), recorder.history())


def shifted_test_accuracy(model: keras.Model, data: Mnist) -> dict[str, float]:
    """{"0": ..., "2": ..., "4": ..., "6": ...}: test accuracy with the digits moved that many
    pixels (see cnn/net/shifts.py); keys are strings, as they come back from the JSON card."""

    def classify(images):
        return model.predict(images[..., np.newaxis], batch_size=1000, verbose=0)

    return {str(d): round(a, 5) for d, a in shift_accuracies(classify, data.x_test, data.y_test).items()}


def _datasets(data: Mnist, config: TrainConfig):
    """tf.data pipelines over the arrays: shuffled anew each epoch from the config's seed, batched,
    prefetched. Measured here, no faster per epoch than passing the arrays to fit() (11.5 against
    11.0 s in one run); kept because the shuffle follows the config's seed and prefetching
    overlaps the next batch with the current step."""
    held_out = int(len(data.y_train) * config.validation_split)
    cut = len(data.y_train) - held_out  # like Keras' validation_split: the last fraction
    train = tf.data.Dataset.from_tensor_slices((data.x_train[:cut], data.y_train[:cut]))
    train = train.shuffle(cut, seed=config.seed, reshuffle_each_iteration=True)
    train = train.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)
    if not held_out:
        return train, None
    validation = tf.data.Dataset.from_tensor_slices((data.x_train[cut:], data.y_train[cut:]))
    return train, validation.batch(1000)


def train_and_save(
    config: TrainConfig,
    data: Mnist,
    out_path,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    probe: np.ndarray | None = None,
    on_snapshot: SnapshotCallback | None = None,
    on_saved: Callable[[ModelCard], None] | None = None,
    phases: Phases | None = None,
) -> ModelCard:
    """Train, evaluate, then atomically replace the model at `out_path`, its snapshots and its
    card (snapshots first, so a page that sees the new model finds its snapshots too).

    The model is saved as soon as it is trained: its first card says the shifted-digit accuracy
    is pending, and `on_saved` gets that card (the model is in use from then on). Only then is the
    shifted accuracy measured (13 passes over the test set, about a third of the default
    recipe's training) and the card rewritten with it; the card with it is returned.
    """
    phases = phases if phases is not None else Phases()
    result = train(config, data, on_progress, should_stop, probe=probe, on_snapshot=on_snapshot, phases=phases)
    card = ModelCard(
        config=config,
        test_accuracy=result.test_accuracy,
        test_loss=result.test_loss,
        training_seconds=round(result.training_seconds, 2),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        keras_version=keras.__version__,
        tensorflow_version=tf.__version__,
        parameters=result.model.count_params(),
        train_samples=len(data.y_train),
        data_source=data.source,
        data_sha256=data.sha256,
        history=result.history,
        shift_accuracy_pending=True,
    )
    with phases("save"):
        if result.snapshots is not None:
            result.snapshots.save(snapshot_path_for(out_path))
        save_model_atomically(result.model, out_path)
        saved = model_signature(out_path)
        write_card(card, card_path_for(out_path))
    if on_saved is not None:
        on_saved(card)
    try:
        with phases("shifted accuracy"):
            shifted = shifted_test_accuracy(result.model, data)
    except Exception:  # noqa: BLE001 - the model is saved and in use: its card must not say "measuring..." for ever
        shifted = {}
    described = replace(card, shift_accuracy=shifted, shift_accuracy_pending=False)
    # Another training may have replaced the model meanwhile: its card is not ours to rewrite.
    if _signature_or_none(out_path) == saved:
        write_card(described, card_path_for(out_path))
    return described


def _signature_or_none(path) -> str | None:
    try:
        return model_signature(path)
    except OSError:
        return None


class _ProgressReporter(keras.callbacks.Callback):
    def __init__(self, config, train_samples, on_progress, should_stop):
        super().__init__()
        self.config = config
        self.batches_per_epoch = config.steps_per_epoch(train_samples)
        self.on_progress = on_progress or (lambda progress: None)
        self.should_stop = should_stop or (lambda: False)
        self.cancelled = False
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        done = (self.epoch - 1) * self.batches_per_epoch + batch + 1
        self.on_progress(self._progress("batch", batch + 1, done, logs or {}))
        if self.should_stop():
            self.cancelled = True
            # Keras 3 checks this after every batch, so training ends before the next one.
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.cancelled:
            return
        done = self.epoch * self.batches_per_epoch
        self.on_progress(self._progress("epoch", self.batches_per_epoch, done, logs or {}))

    def _progress(self, kind, batch, done, logs):
        total = self.config.epochs * self.batches_per_epoch
        val_loss, val_accuracy = logs.get("val_loss"), logs.get("val_accuracy")
        return TrainProgress(
            kind=kind,
            epoch=self.epoch,
            epochs=self.config.epochs,
            batch=batch,
            batches_per_epoch=self.batches_per_epoch,
            loss=float(logs.get("loss", float("nan"))),
            accuracy=float(logs.get("accuracy", float("nan"))),
            fraction_done=min(1.0, done / total),
            val_loss=None if val_loss is None else float(val_loss),
            val_accuracy=None if val_accuracy is None else float(val_accuracy),
        )
