"""The sidebar: the model card, the layer table, and Retrain with live progress.

Session state it owns: the `retrain_*` form keys and `cancel_training`.
"""

import time

import streamlit as st

from cnn.config import ARCHITECTURES, OPTIMIZERS, SCHEDULES, TrainConfig
from cnn.jobs.database_lock import TrainingLockUnavailable
from cnn.jobs.training_job import CANCELLED, FAILED, SUCCEEDED, AlreadyTraining, JobStatus, TrainingJob
from cnn.net.anatomy import layer_table
from cnn.serving.model_store import LoadedModel
from display.tables import compact_table_html
from ui.learning import NETWORK_NAMES, snapshot_ui
from ui.resources import session_name


def model_card_ui(loaded: LoadedModel | None, dense: LoadedModel | None = None) -> None:
    st.header("The model")
    if loaded is None:
        st.error("No working model is loaded.")
        return
    card = loaded.card
    recipe = card.config if card else None
    if card is None:
        st.caption("This model has no model card (it was not trained by `python -m cnn train`).")
    else:
        st.metric("Test accuracy", f"{card.test_accuracy:.2%}", help="On the 10,000 MNIST test images")
        st.caption(
            f"Trained {card.trained_at.replace('T', ' ')[:16]} UTC for {recipe.epochs} epochs "
            f"({recipe.optimizer}, learning rate {recipe.learning_rate:g} {recipe.schedule}, "
            f"batch {recipe.batch_size}) "
            f"on {card.train_samples:,} images in {card.training_seconds:.0f} s."
        )
    st.caption(f"{loaded.parameters:,} parameters")
    with st.expander("Layers (model.summary())"):
        # Markup, not st.dataframe: nine static rows need no data grid, and the grid's script
        # (161 KB gzipped) was fetched by every first page load for this one table.
        st.markdown(compact_table_html(layer_table(loaded.network), "The layers"), unsafe_allow_html=True)
    if dense is not None:
        accuracy = f"{dense.card.test_accuracy:.2%} test accuracy" if dense.card else "no model card"
        st.caption(f"Compared with a dense net: {accuracy}, {dense.parameters:,} parameters.")


def retrain_form_ui() -> TrainConfig | None:
    """The Retrain controls; returns the chosen config when the button was pressed."""
    defaults = TrainConfig()
    with st.form("retrain_form", border=False):
        arch = st.radio(
            "Network",
            ARCHITECTURES,
            format_func=NETWORK_NAMES.get,
            horizontal=True,
            key="retrain_arch",
            help="The dense net is the notebook's multilayer perceptron the convnet is compared with.",
        )
        epochs = st.slider("Epochs", 1, 15, defaults.epochs, key="retrain_epochs")
        batch_size = st.select_slider(
            "Batch size", [32, 64, 128, 256, 512], defaults.batch_size, key="retrain_batch_size"
        )
        optimizer = st.selectbox("Optimizer", OPTIMIZERS, OPTIMIZERS.index(defaults.optimizer), key="retrain_optimizer")
        learning_rate = st.select_slider(
            "Learning rate",
            [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
            defaults.learning_rate,
            format_func=lambda value: f"{value:g}",
            key="retrain_learning_rate",
        )
        schedule = st.selectbox(
            "Learning-rate schedule",
            SCHEDULES,
            SCHEDULES.index(defaults.schedule),
            key="retrain_schedule",
            help="cosine: warm up, then decay to zero (2 epochs reach ~99%); constant: the seed notebook's (5 epochs)",
        )
        pressed = st.form_submit_button("Retrain", type="primary", width="stretch")
    if not pressed:
        return None
    return TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        learning_rate=learning_rate,
        schedule=schedule,
        seed=int(time.time()) % 10_000,
        arch=arch,
    )


def training_curves_ui(status: JobStatus) -> None:
    points = status.curve or status.epochs
    if not points:
        return
    epochs_done = [p.epoch - 1 + p.batch / p.batches_per_epoch for p in points]
    st.line_chart(
        {"epoch": epochs_done, "loss": [p.loss for p in points], "accuracy": [p.accuracy for p in points]},
        x="epoch",
        y=["loss", "accuracy"],
        height=180,
    )


def training_outcome_ui(status: JobStatus) -> None:
    if status.state == SUCCEEDED:
        st.success(status.message)
    elif status.state == CANCELLED:
        st.info(status.message)
    elif status.state == FAILED:
        st.error(status.message)
        st.caption("To train offline, start the app with MNIST_NPZ=/path/to/mnist.npz.")


@st.fragment(run_every=1.0)
def live_training_ui(job: TrainingJob) -> None:
    """Redrawn every second while a training runs, without rerunning the rest of the page."""
    status = job.status()
    if not status.running:
        st.rerun()  # the training ended: redraw the whole page with the new model and card
    mine = status.started_by == session_name()
    st.progress(status.fraction_done, text=f"Training: {status.describe()}")
    network = NETWORK_NAMES[status.config.arch] if status.config else "The network"
    st.caption(("Started by you. " if mine else "Started by another session. ") + f"{network}, as it learns:")
    if status.snapshots:
        snapshot_ui(status.snapshots[-1], compact=True)
    training_curves_ui(status)
    if st.button("Cancel training", key="cancel_training", width="stretch"):
        job.cancel()
        st.toast("Cancelling after the current batch...")


def retrain_ui(job: TrainingJob) -> None:
    st.header("Retrain")
    st.caption(
        "Trains the chosen network from scratch on MNIST's 60,000 training images. "
        "Everyone keeps using the current model until the new one is saved."
    )
    config = retrain_form_ui()
    if config is not None:
        try:
            job.start(config, started_by=session_name(), probe=st.session_state.get("last_input"))
        except AlreadyTraining as busy:
            st.warning(f"{busy} Only one training runs at a time; wait for it or cancel it.")
        except TrainingLockUnavailable as down:  # DATABASE_URL's server: it says who trains, across hosts
            st.error(f"Not started: {down}. The current model stays; try again once the database is back.")
    status = job.status()
    elsewhere = None if status.running else job.elsewhere()
    if elsewhere:
        st.info(f"A training is running {elsewhere}. Every server process switches to the new model once it is saved.")
    if status.running:
        live_training_ui(job)
    else:
        training_outcome_ui(status)
        if status.state == SUCCEEDED:
            training_curves_ui(status)
