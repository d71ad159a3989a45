"""Digit lens: draw a digit and see how a convolutional network reads it.

    streamlit run app.py

The page only draws widgets and shows results; all computing happens in the `cnn` package.
One model (and its feature extractor) serves every session of the server; one training may run
at a time, in the background, started from the sidebar.

Environment: CNN_MODEL_PATH (the model file the page uses and retrains; default: the shipped one),
MNIST_NPZ (where retraining reads MNIST; else Keras downloads it).
"""

import os
import secrets
import time

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import script_runner

from cnn import DEFAULT_MODEL_PATH
from cnn.convolution import convolution_step
from cnn.features import Activations
from cnn.gallery import GalleryDigits, pick_other
from cnn.mnist import MnistError, load_mnist
from cnn.model import layer_table
from cnn.model_store import LoadedModel, ModelStore
from cnn.pictures import PictureError, read_picture
from cnn.preprocess import Preprocessed, as_model_input, preprocess
from cnn.render import enlarge, feature_grid, heat_overlay, kernel_grid, outline_box, png_bytes
from cnn.saliency import saliency
from cnn.training import OPTIMIZERS, SCHEDULES, TrainConfig
from cnn.training_job import CANCELLED, FAILED, SUCCEEDED, AlreadyTraining, JobStatus, TrainingJob
from display.closeup import strongest_point
from ui.canvas import canvas_ui, pen_width_ui
from ui.lecture_view import lecture_placeholder_ui, lecture_view_ui
from ui.style import page_style

LOW_CONFIDENCE = 0.7  # below this the page says the network is unsure
LAYER_STORY = {
    "conv1": "32 filters of 3x3 slide over the input: each lights up where it finds its pattern "
    "(an edge, a stroke direction).",
    "pool1": "Max pooling keeps the strongest response in each 2x2 patch: half the size, same channels.",
    "conv2": "64 filters combine the first layer's patterns into parts of digits (curves, corners, ends).",
    "pool2": "Pooling again: coarser, and less sensitive to exactly where a stroke is.",
    "conv3": "64 filters over a 3x3 grid: which large parts are present, roughly where. "
    "Dense layers turn this into the ten probabilities.",
}
LAYER_KIND = {"conv": "Conv2D 3x3 + ReLU", "pool": "MaxPooling2D 2x2"}
INPUT_SOURCES = ("Draw", "MNIST test digit", "Upload a picture")
GALLERY_MODES = ("any digit", "a digit of my choice", "one the model gets wrong")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
EMPTY_HINTS = {
    "Draw": "Draw one digit, 0 to 9, on the black square: big and in the middle works best, but anywhere works.",
    "MNIST test digit": "No test digit to show.",
    "Upload a picture": "Upload a picture of one digit to see how the network reads it.",
}


def keep_keras_state_between_runs() -> None:
    """Stop Streamlit from calling keras.backend.clear_session() after every script run.

    Streamlit 1.67 does that for any app that imported Keras (script_runner._clean_problem_modules).
    Here it garbage-collects the whole heap and empties TensorFlow's kernel cache after every
    stroke: about 300 ms of CPU per stroke, which capped a 20-session load test at 1.4
    predictions a second. It would also reset Keras' global state under a training running in
    the background. This app keeps its models in st.cache_resource on purpose, so there is
    nothing for it to clean up.
    """
    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = lambda: None


@st.cache_resource(show_spinner="Loading the model...")
def model_store(path: str) -> ModelStore:
    """One per server process: every session shares the loaded model and its extractor."""
    store = ModelStore(path)
    store.current()  # load now, under the spinner, rather than silently on the first look
    return store


@st.cache_resource(show_spinner="Loading the MNIST test set...")
def test_digits() -> GalleryDigits:
    """The 10,000 MNIST test digits, loaded once per server (MNIST_NPZ, else Keras' download)."""
    return GalleryDigits(load_mnist())


@st.cache_resource(max_entries=4)
def conv1_filters_png(_loaded: LoadedModel, path: str, version: int) -> bytes:
    """The picture of conv1's kernels: drawn once per model, not on every stroke."""
    return png_bytes(kernel_grid(_loaded.kernel("conv1")[0]))


@st.cache_resource
def training_job(path: str) -> TrainingJob:
    """One per server process, so a second Retrain from any session is refused."""
    return TrainingJob(path)


def model_path() -> str:
    return os.environ.get("CNN_MODEL_PATH") or str(DEFAULT_MODEL_PATH)


def session_name() -> str:
    if "session_name" not in st.session_state:
        st.session_state.session_name = f"session {secrets.token_hex(2)}"
    return st.session_state.session_name


# ---------------------------------------------------------------- sidebar: the model and retraining


def model_card_ui(loaded: LoadedModel | None) -> None:
    st.header("The model")
    if loaded is None:
        st.error("No working model is loaded.")
        return
    card = loaded.card
    if card is None:
        st.caption("This model has no model card (it was not trained by `python -m cnn train`).")
    else:
        st.metric("Test accuracy", f"{card.test_accuracy:.2%}", help="On the 10,000 MNIST test images")
        st.caption(
            f"Trained {card.trained_at.replace('T', ' ')[:16]} UTC for {card.epochs} epochs "
            f"({card.optimizer}, learning rate {card.learning_rate:g} {card.schedule}, batch {card.batch_size}) "
            f"on {card.train_samples:,} images in {card.training_seconds:.0f} s."
        )
    st.caption(f"{loaded.parameters:,} parameters")
    with st.expander("Layers (model.summary())"):
        st.dataframe(layer_table(loaded.model), hide_index=True, width="stretch")


def retrain_form_ui() -> TrainConfig | None:
    """The Retrain controls; returns the chosen config when the button was pressed."""
    defaults = TrainConfig()
    with st.form("retrain_form", border=False):
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
    st.caption("Started by you." if mine else "Started by another session.")
    training_curves_ui(status)
    if st.button("Cancel training", key="cancel_training", width="stretch"):
        job.cancel()
        st.toast("Cancelling after the current batch...")


def retrain_ui(job: TrainingJob) -> None:
    st.header("Retrain")
    st.caption(
        "Trains the same network from scratch on MNIST's 60,000 training images. "
        "Everyone keeps using the current model until the new one is saved."
    )
    config = retrain_form_ui()
    if config is not None:
        try:
            job.start(config, started_by=session_name())
        except AlreadyTraining as busy:
            st.warning(f"{busy} Only one training runs at a time; wait for it or cancel it.")
    status = job.status()
    if status.running:
        live_training_ui(job)
    else:
        training_outcome_ui(status)
        if status.state == SUCCEEDED:
            training_curves_ui(status)


# ---------------------------------------------------------------- main area: draw and see


def test_digit_ui(loaded: LoadedModel) -> Preprocessed | None:
    """A digit from the MNIST test set, as the network sees it (no preprocessing needed)."""
    try:
        digits = test_digits()
    except MnistError as error:
        st.warning(f"The MNIST test set is not available here: {error}")
        return None
    mode = st.selectbox("Show", GALLERY_MODES, key="gallery_mode")
    wanted = st.selectbox("Digit", range(10), key="gallery_digit") if mode == GALLERY_MODES[1] else None
    rng = np.random.default_rng()
    choice = (mode, wanted, loaded.version)
    if st.button("Another one", key="gallery_next") or st.session_state.get("gallery_choice") != choice:
        previous = st.session_state.get("gallery_index")
        wrong = digits.misclassified(loaded.extractor) if mode == GALLERY_MODES[2] else None
        if wrong is not None and len(wrong):
            index = pick_other(rng, wrong, previous)
        else:
            index = digits.pick(rng, wanted, avoid=previous)
        st.session_state.gallery_choice, st.session_state.gallery_index = choice, index
    index = st.session_state.gallery_index
    st.caption(f"Test digit #{index}, labelled **{digits.labels[index]}** by MNIST")
    return as_model_input(digits.images[index])


def upload_ui() -> Preprocessed | None:
    """A picture of one digit from the visitor's device; read from memory, never written to disk."""
    uploaded = st.file_uploader("A picture of one handwritten digit", type=UPLOAD_TYPES, key="upload")
    if uploaded is None:
        st.caption("A phone photo works: dark ink on light paper, or light on dark.")
        return None
    try:
        picture = read_picture(uploaded.getvalue())
        prepared = preprocess(picture)
    except (PictureError, ValueError) as error:
        st.error(f"That file cannot be used: {error}")
        return None
    show_picture(st, outline_box(prepared.ink, prepared.crop_box), width=200, caption="Your picture, as ink")
    return prepared


def show_picture(container, picture: np.ndarray, **options) -> None:
    """An RGB/grey uint8 array as a crisp PNG (Streamlit's "auto" would send a blurry JPEG)."""
    container.image(png_bytes(picture), output_format="PNG", **options)


def network_input_ui(prepared: Preprocessed) -> None:
    st.subheader("What the network sees")
    show_picture(st, enlarge(prepared.image, 252), caption="28 x 28 input, enlarged")
    if not st.toggle("Show how the drawing became this", key="show_steps"):
        return
    rows, cols = prepared.shift
    steps = [
        (outline_box(prepared.ink, prepared.crop_box), "1. Find the ink's bounding box"),
        (
            enlarge(prepared.digit, 140),
            f"2. Scale it to fit 20 x 20 ({prepared.digit.shape[1]} x {prepared.digit.shape[0]})",
        ),
        (enlarge(prepared.image, 140), f"3. Centre its mass in 28 x 28 (moved {rows:+d}, {cols:+d})"),
    ]
    for column, (picture, caption) in zip(st.columns(3), steps, strict=True):
        show_picture(column, picture, caption=caption, width="stretch")


def empty_message(source: str, prepared: Preprocessed | None) -> str:
    """What to say when there is nothing to read: a hint for this input, or why the ink was refused."""
    return EMPTY_HINTS[source] if prepared is None or prepared.status == "blank" else prepared.message


def readout_ui(container, activations: Activations) -> None:
    """The answer in one line, right under the drawing (shown on narrow screens only, see page.css)."""
    container.container(key="readout_answer").markdown(
        f"The network reads **{activations.digit}** ({activations.confidence:.0%} sure)"
    )


def prediction_ui(activations: Activations) -> None:
    probabilities = activations.probabilities
    ranked = np.argsort(probabilities)[::-1]
    best, runner_up = int(ranked[0]), int(ranked[1])
    st.metric("Prediction", f"{best}  ({probabilities[best]:.0%})")
    if probabilities[best] < LOW_CONFIDENCE:
        st.warning(
            f"Not sure: {probabilities[best]:.0%} for {best}, "
            f"{probabilities[runner_up]:.0%} for {runner_up}. Try drawing it bigger or clearer."
        )
    probability_chart_ui(probabilities)


def probability_chart_ui(probabilities: np.ndarray) -> None:
    """Ten horizontal bars. A plain Vega-Lite spec: building it through Altair (st.bar_chart)
    costs the per-stroke path about 10 ms more."""
    values = [{"digit": str(d), "probability": float(p)} for d, p in enumerate(probabilities)]
    spec = {
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "height": 280,
        "encoding": {
            "y": {
                "field": "digit",
                "type": "nominal",
                "sort": None,
                "title": "digit",
                "axis": {"labelAngle": 0, "labelFontSize": 15, "labelOverlap": False},
            },
            "x": {
                "field": "probability",
                "type": "quantitative",
                "scale": {"domain": [0, 1]},
                "axis": {"format": "%"},
            },
        },
    }
    st.vega_lite_chart(spec, width="stretch")


def feature_maps_ui(activations: Activations, shapes: dict[str, tuple[int, ...]], filters_png: bytes) -> None:
    st.header("Feature maps: the network's view, layer by layer")
    show_pooling = st.toggle("Show the pooling layers too", key="show_pooling")
    for name in activations.maps:
        if name.startswith("pool") and not show_pooling:
            continue
        height, width, channels = shapes[name]
        st.subheader(f"{name}: {LAYER_KIND[name[:4]]}, {height} x {width} x {channels}")
        st.caption(LAYER_STORY[name])
        grid_column, zoom_column = st.columns([3, 1])
        grid_png = png_bytes(feature_grid(activations.maps[name]))
        grid_column.image(grid_png, output_format="PNG", width="stretch")
        grid_column.download_button(
            f"Download the {name} grid (PNG)",
            grid_png,
            file_name=f"{name}.png",
            mime="image/png",
            on_click="ignore",
            key=f"download_{name}",
        )
        channel = zoom_column.number_input(f"Enlarge a channel of {name}", 0, channels - 1, 0, key=f"zoom_{name}")
        single = activations.maps[name][..., channel]
        peak = float(single.max())
        show_picture(
            zoom_column,
            enlarge(single / peak if peak > 0 else single, 240, cmap="viridis"),
            caption=f"{name} channel {channel}, strongest response {peak:.2f}",
        )
        if name == "conv1":
            zoom_column.image(
                filters_png,
                output_format="PNG",
                width="stretch",
                caption="The 32 learned 3x3 filters (red +, blue -) that made these maps",
            )


def why_ui(loaded: LoadedModel, prepared: Preprocessed, activations: Activations) -> None:
    """Saliency: which pixels the chosen class' probability is most sensitive to."""
    if not st.toggle("Why this answer?", key="show_saliency"):
        return
    asked = st.selectbox("For the digit", range(10), index=activations.digit, key="saliency_class")
    heat = saliency(loaded.model, prepared.image, int(asked))
    show_picture(
        st,
        heat_overlay(prepared.image, heat, 252),
        caption=f"Bright: pixels that change the probability of {asked} the most",
    )


def closeup_ui(loaded: LoadedModel, prepared: Preprocessed, activations: Activations) -> None:
    """One output value of a Conv2D layer, computed in front of the class."""
    st.header("Convolution close-up")
    if not st.toggle("Show how one value of a feature map is computed", key="show_closeup"):
        return
    conv_layers = [layer.name for layer in loaded.layers if layer.kind == "Conv2D"]
    layer_column, channel_column, row_column, column_column = st.columns(4)
    layer = layer_column.selectbox("Layer", conv_layers, key="closeup_layer")
    size, _, channels = activations.maps[layer].shape
    channel = channel_column.number_input("Channel", 0, channels - 1, 0, key="closeup_channel")
    # Open on the map's strongest unit, never on a blank patch; a point chosen by hand stays until
    # the layer, the channel or the drawing's strongest point changes.
    strongest = strongest_point(activations.maps[layer][..., int(channel)])
    if st.session_state.get("closeup_choice") != (layer, int(channel), strongest):
        st.session_state.closeup_choice = (layer, int(channel), strongest)
        st.session_state.closeup_row, st.session_state.closeup_column = strongest
    row = row_column.number_input("Row", 0, size - 1, key="closeup_row")
    column = column_column.number_input("Column", 0, size - 1, key="closeup_column")
    source = loaded.input_of(layer)
    layer_input = prepared.image if source is None else activations.maps[source]
    kernel, bias = loaded.kernel(layer)
    step = convolution_step(layer_input, kernel, bias, int(row), int(column), int(channel))
    if layer == "conv1":
        patch_column, kernel_column, product_column = st.columns(3)
        for container, title, values in (
            (patch_column, "Input patch (3x3)", step.patch[..., 0]),
            (kernel_column, f"Kernel of channel {channel}", step.kernel[..., 0]),
            (product_column, "Products", step.products[..., 0]),
        ):
            container.markdown(f"**{title}**")
            container.dataframe(np.round(values, 3), hide_index=True, width="stretch")
    else:
        strongest = np.argsort(-np.abs(step.per_input_channel))[:8]
        st.markdown(f"The kernel spans all {step.patch.shape[2]} input channels; the biggest shares:")
        st.dataframe(
            {
                "input channel": [f"{source} #{i}" for i in strongest],
                "sum of its 9 products": np.round(step.per_input_channel[strongest], 4),
            },
            hide_index=True,
        )
    st.markdown(
        f"Sum of the products **{step.pre_activation - step.bias:+.4f}**, plus bias **{step.bias:+.4f}** "
        f"= **{step.pre_activation:+.4f}**; ReLU keeps max(0, that) = **{step.output:.4f}**, the value of "
        f"{layer} channel {channel} at row {row}, column {column}."
    )


@st.fragment
def drawing_ui(store: ModelStore) -> None:
    """Reruns on its own after every stroke: the sidebar and the rest stay as they are."""
    loaded = store.current()
    draw_column, input_column, prediction_column = st.columns([1.3, 1, 1], gap="medium")
    with draw_column:
        source = st.radio("Input", INPUT_SOURCES, horizontal=True, key="input_source", label_visibility="collapsed")
        if source == INPUT_SOURCES[0]:
            drawing = canvas_ui()
            prepared = preprocess(drawing) if drawing is not None else None
        readout = st.container(key="readout")  # right under the canvas: on a phone, on the same screen
        if source == INPUT_SOURCES[0]:
            pen_width_ui()
        elif source == INPUT_SOURCES[1]:
            prepared = test_digit_ui(loaded)
        else:
            prepared = upload_ui()
    if prepared is None or prepared.is_empty:
        readout.info(empty_message(source, prepared))
        return
    activations = loaded.extractor.run(prepared.image)
    readout_ui(readout, activations)
    with prediction_column:  # first, so the answer reaches the browser before the pictures
        prediction_ui(activations)
        why_ui(loaded, prepared, activations)
    with input_column:
        network_input_ui(prepared)
    feature_maps_ui(
        activations, loaded.extractor.shapes, conv1_filters_png(loaded, store.path.as_posix(), loaded.version)
    )
    closeup_ui(loaded, prepared, activations)


def show_view(name: str) -> None:
    """Switch views through the URL, so either can be bookmarked (?view=lecture)."""
    if name == "lecture":
        st.query_params["view"] = "lecture"
    else:
        st.query_params.pop("view", None)


@st.fragment
def lecture_drawing_ui(store: ModelStore) -> None:
    """The lecture view: canvas on the left, the whole network reading it on the right."""
    loaded = store.current()
    canvas_column, network_column = st.columns([290, 1000], gap="small")
    with canvas_column:
        st.container(key="lecture_title").markdown("**Digit lens** · the whole network")
        drawing = canvas_ui()
        prepared = preprocess(drawing) if drawing is not None else None
        readout = st.container(key="readout")
        st.button("Detailed view", on_click=show_view, args=("detailed",), key="to_detailed_view")
    with network_column:
        if prepared is None or prepared.is_empty:
            readout.info(empty_message(INPUT_SOURCES[0], prepared))
            lecture_placeholder_ui()
            return
        activations = loaded.extractor.run(prepared.image)
        readout_ui(readout, activations)
        lecture_view_ui(loaded, prepared.image, activations)


def use_test_digit(index: int, version: int) -> None:
    """Make a test digit the page's input (a button callback, so it runs before the rerun)."""
    st.session_state.input_source = INPUT_SOURCES[1]
    st.session_state.gallery_mode = GALLERY_MODES[0]
    st.session_state.gallery_choice = (GALLERY_MODES[0], None, version)
    st.session_state.gallery_index = index


def training_report_ui(loaded: LoadedModel) -> None:
    """How the current model was trained and what it gets wrong on the 10,000 test digits."""
    st.header("Training report")
    if not st.toggle("Show the training report of the current model", key="show_report"):
        return
    history = loaded.card.history if loaded.card else {}
    if history.get("loss"):
        epochs = list(range(1, len(history["loss"]) + 1))
        st.line_chart(
            {"epoch": epochs, "loss": history["loss"], "accuracy": history["accuracy"]},
            x="epoch",
            y=["loss", "accuracy"],
            height=220,
        )
    try:
        digits = test_digits()
    except MnistError as error:
        st.warning(f"The MNIST test set is not available here: {error}")
        return
    matrix = digits.confusion(loaded.extractor)
    st.markdown("**Confusion matrix** on the test set: rows are the true digits, columns what the network read.")
    st.dataframe({"true": list(range(10)), **{f"read {d}": matrix[:, d] for d in range(10)}}, hide_index=True)
    wrong = digits.misclassified(loaded.extractor)
    predicted = digits.predicted(loaded.extractor)
    st.markdown(f"**{len(wrong)} test digits it gets wrong**; press one to look at it closely.")
    for row_start in range(0, min(len(wrong), 24), 8):
        for column, index in zip(st.columns(8), wrong[row_start : row_start + 8], strict=False):
            show_picture(column, enlarge(digits.images[index], 84))
            column.button(
                f"{digits.labels[index]} read as {predicted[index]}",
                key=f"use_{index}",
                on_click=use_test_digit,
                args=(int(index), loaded.version),
            )


def main() -> None:
    lecture = st.query_params.get("view") == "lecture"
    st.set_page_config(
        page_title="Digit lens",
        page_icon=":pencil2:",
        layout="wide",
        initial_sidebar_state="collapsed" if lecture else "auto",
    )
    keep_keras_state_between_runs()
    page_style(lecture)
    path = model_path()
    store, job = model_store(path), training_job(path)
    loaded = store.current()
    with st.sidebar:
        model_card_ui(loaded)
        retrain_ui(job)
    if not lecture:
        title_column, switch_column = st.columns([5, 1], vertical_alignment="bottom")
        title_column.title("How a convnet reads your digit")
        switch_column.button(
            "Lecture view", on_click=show_view, args=("lecture",), key="to_lecture_view", type="primary"
        )
    if store.problem:
        (st.error if loaded is None else st.warning)(store.problem)
    if loaded is None:
        st.info("Retrain a model from the sidebar to start; it takes about a minute.")
        return
    if lecture:
        lecture_drawing_ui(store)
        return
    drawing_ui(store)
    training_report_ui(loaded)


if __name__ == "__main__":  # `streamlit run app.py` runs it as __main__; tests may import it
    main()
