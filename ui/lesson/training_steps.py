"""The lesson's last part, the notebook's way: train (the seed recipe, for real in the background
as Retrain does, or the model in use's recorded training replayed when a training cannot run
here), evaluate on the 10,000 test digits, and the closing claim, dense net against convnet.

Session state it owns: `lesson_epochs_seen`, `lesson_snapshot`, `lesson_evaluated`.
"""

import dataclasses
import time

import numpy as np
import streamlit as st

from cnn.config import TrainConfig
from cnn.jobs.database_lock import TrainingLockUnavailable
from cnn.jobs.training_job import SUCCEEDED, AlreadyTraining, JobStatus
from cnn.net.evaluation import evaluate
from cnn.net.network import Network
from cnn.net.reading import read
from cnn.net.shifts import shift_image
from cnn.serving.unit_examples import ExampleDigits
from ui.learning import snapshot_ui
from ui.lesson.digit import kept_digit, no_digit_ui
from ui.lesson.frame import Lesson
from ui.resources import session_name, snapshot_history
from ui.unit_examples import unit_example_shelf

FIT_CELL = """model.compile(optimizer='rmsprop',
              loss='categorical_crossentropy',
              metrics=['accuracy'])
model.fit(train_images, train_labels, epochs=5, batch_size=64)"""
EVALUATE_CELL = "test_loss, test_acc = model.evaluate(test_images, test_labels)\ntest_acc"
NOTEBOOK_DENSE, NOTEBOOK_CONVNET = 0.92, 0.99  # what the seed notebooks report, about
_BAR = "━" * 20


def epoch_log(epoch: int, epochs: int, steps: int, seconds: float | None, accuracy: float, loss: float) -> str:
    """One epoch as Keras 3's fit prints it."""
    took = f" {seconds:.0f}s" if seconds is not None else ""
    return f"Epoch {epoch}/{epochs}\n{steps}/{steps} {_BAR}{took} - accuracy: {accuracy:.4f} - loss: {loss:.4f}"


def _test_set() -> ExampleDigits | str:
    return unit_example_shelf().test_set


def training_step(lesson: Lesson) -> None:
    status = lesson.job.status()
    here = _test_set()
    elsewhere = None if status.running else lesson.job.elsewhere()
    why_not = here if isinstance(here, str) else (f"a training is running {elsewhere}" if elsewhere else None)
    cell_column, replay_column = st.columns([1.5, 1], gap="medium")
    with cell_column:
        st.code(FIT_CELL, language="python")
        if status.running:
            _live_log_ui(lesson)
            return
        if why_not is None:
            st.button(
                "Run this cell: train the notebook's convnet for real (a minute or two; the page then uses it)",
                on_click=_start_training,
                args=(lesson,),
                key="lesson_train",
                type="primary",
            )
        if status.state == SUCCEEDED and status.config is not None and status.config.epochs == 5:
            st.success(status.message)
            st.code(_log_of(status), language=None)
            return
    _replay_ui(lesson, why_not, cell_column, replay_column)


def _start_training(lesson: Lesson) -> None:
    st.session_state.lesson_epochs_seen = {}
    try:
        lesson.job.start(TrainConfig.seed_recipe(seed=int(time.time()) % 10_000), started_by=session_name())
    except AlreadyTraining as busy:
        st.session_state.lesson_training_refused = f"{busy} Only one training runs at a time."
    except TrainingLockUnavailable as down:
        st.session_state.lesson_training_refused = f"Not started: {down}."


def _log_of(status: JobStatus) -> str:
    """The Keras-style log so far: one entry per finished epoch, then the epoch under way. Epoch
    times are as this page saw them (to about a second)."""
    seen: dict = st.session_state.setdefault("lesson_epochs_seen", {})
    lines, previous = [], status.started_at
    for progress in status.epochs:
        seen.setdefault(progress.epoch, time.time())
        took = seen[progress.epoch] - previous if previous else None
        previous = seen[progress.epoch]
        lines.append(
            epoch_log(
                progress.epoch, progress.epochs, progress.batches_per_epoch, took, progress.accuracy, progress.loss
            )
        )
    now = status.progress
    if status.running and now is not None and now.kind == "batch":
        lines.append(
            f"Epoch {now.epoch}/{now.epochs}\n{now.batch}/{now.batches_per_epoch} - accuracy: {now.accuracy:.4f} "
            f"- loss: {now.loss:.4f}"
        )
    return "\n".join(lines) or "Loading MNIST..."


@st.fragment(run_every=1.0)
def _live_log_ui(lesson: Lesson) -> None:
    status = lesson.job.status()
    if not status.running:
        st.rerun()
    mine = status.started_by == session_name()
    st.progress(
        status.fraction_done, text=("Your training: " if mine else "A training started elsewhere: ") + status.describe()
    )
    st.code(_log_of(status), language=None)


def _replay_ui(lesson: Lesson, why_not: str | None, log_column, snapshot_column) -> None:
    refused = st.session_state.pop("lesson_training_refused", None)
    if refused:
        log_column.warning(refused)
    card = lesson.loaded.card
    if card is None or not card.history.get("loss"):
        log_column.info("The model in use has no recorded training to replay.")
        return
    recipe = card.config
    what = (
        f"the log of the model in use ({recipe.epochs} epochs, {recipe.optimizer}, batch {recipe.batch_size}, "
        f"learning rate {recipe.learning_rate:g} {recipe.schedule}, {card.train_samples:,} digits)"
    )
    log_column.caption(f"Replayed, not run: {why_not.rstrip('.')}. Below, {what}." if why_not else f"Or replay {what}.")
    steps = -(-card.train_samples // recipe.batch_size)
    per_epoch = card.training_seconds / recipe.epochs
    log_column.code(
        "\n".join(
            epoch_log(i + 1, recipe.epochs, steps, per_epoch, accuracy, loss)
            for i, (accuracy, loss) in enumerate(zip(card.history["accuracy"], card.history["loss"], strict=False))
        ),
        language=None,
    )
    history = snapshot_history(lesson.model_path, lesson.loaded.version)
    if history is not None and history.snapshots:
        with snapshot_column:
            count = len(history.snapshots)
            moment = st.slider("Replay the training", 1, count, count, key="lesson_snapshot")
            snapshot_ui(history.snapshots[moment - 1], compact=True)


@st.cache_resource(max_entries=4, show_spinner=False)
def test_evaluation(_network: Network, path: str, version: int, test_digest: str) -> tuple[float, float, float]:
    """(loss, accuracy, seconds) of one model version on the test set, computed once per server."""
    test_set = _test_set()
    started = time.perf_counter()
    loss, accuracy = evaluate(_network, test_set.images.astype(np.float32) / 255.0, test_set.labels)
    return loss, accuracy, time.perf_counter() - started


def evaluation_step(lesson: Lesson) -> None:
    st.code(EVALUATE_CELL, language="python")
    test_set = _test_set()
    card = lesson.loaded.card
    if isinstance(test_set, str):
        st.info(test_set)
        if card is not None:
            st.code(
                f"test_acc (from the model card, measured by Keras after training)\n{card.test_accuracy}", language=None
            )
        return
    if not st.session_state.get("lesson_evaluated") and not st.button(
        f"Run this cell: evaluate the model in use on the {len(test_set.labels):,} test digits",
        key="lesson_evaluate",
        type="primary",
    ):
        return
    st.session_state.lesson_evaluated = True
    with st.spinner(f"Reading all {len(test_set.labels):,} test digits..."):
        loss, accuracy, seconds = test_evaluation(
            lesson.loaded.network, lesson.model_path, lesson.loaded.version, test_set.digest
        )
    batches = -(-len(test_set.labels) // 32)
    st.code(
        f"{batches}/{batches} {_BAR} {seconds:.0f}s - accuracy: {accuracy:.4f} - loss: {loss:.4f}\n{accuracy}",
        language=None,
    )
    right = round(accuracy * len(test_set.labels))
    st.markdown(
        f"**{right:,} of the {len(test_set.labels):,}** test digits read right: digits the network never saw "
        "while it learned. "
        + (
            f"Keras measured {card.test_accuracy:.2%} after training; this page's own numpy network agrees."
            if card
            else ""
        )
    )


def claim_step(lesson: Lesson) -> None:
    loaded, dense = lesson.loaded, lesson.dense
    prepared = kept_digit()
    st.markdown(
        "The notebook's closing claim: the previous notebook's dense network reached about **92%** on the "
        "test digits, this convnet about **99%**: from 8 mistakes in 100 to 1, with fewer parameters."
    )
    convnet_column, dense_column = st.columns(2, gap="medium")
    for column, name, model, notebook in (
        (convnet_column, "Convnet", loaded, NOTEBOOK_CONVNET),
        (dense_column, "Dense net", dense, NOTEBOOK_DENSE),
    ):
        with column:
            st.markdown(f"#### {name}")
            if model is None:
                st.info("No dense net is loaded on this server.")
                continue
            measured = f"{model.card.test_accuracy:.2%}" if model.card else "not recorded"
            st.markdown(
                f"Notebook: about {notebook:.0%} · measured here: **{measured}** · {model.parameters:,} parameters"
            )
            if prepared is None:
                continue
            reading = read(model.extractor, prepared)
            moved = read(model.extractor, dataclasses.replace(prepared, image=shift_image(prepared.image, 0, 4)))
            st.markdown(
                f"Your digit: reads **{reading.digit}** ({reading.confidence:.0%}). "
                f"Moved 4 pixels right: reads **{moved.digit}** ({moved.confidence:.0%})."
            )
    if dense is not None:
        st.caption(
            f"The dense net has {dense.parameters / loaded.parameters:.1f}x the convnet's parameters. It sees 784 "
            "separate pixels; the convnet looks for the same small patterns everywhere, so it needs fewer "
            "weights and cares less where the digit is."
        )
    if prepared is None:
        no_digit_ui()
