"""Digit lens: draw a digit and see how a convolutional network reads it.

    streamlit run app.py

This file only composes the page: each section of the screen is a module of `ui/`, what the
page shows but does not draw is in `display/`, and all computing happens in the `cnn` package.
One model (and its feature extractor) serves every session of the server; one training may run
at a time, in the background, started from the sidebar.

Environment: CNN_MODEL_PATH (the model file the page uses and retrains; default: the shipped one),
CNN_MLP_PATH (the dense net it is compared with; default: the shipped one), MNIST_NPZ (where
retraining reads MNIST; else Keras downloads it).
"""

from typing import NamedTuple

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnn.net.preprocess import Preprocessed, preprocess
from cnn.net.reading import Reading, read
from cnn.serving.model_store import LoadedModel, ModelStore
from display.answer import message_html, prediction_html, readout_html
from ui.among_class import among_class_ui
from ui.canvas import canvas_controls_ui, canvas_ui, pen_width_ui
from ui.chapters import AMONG, COMPARE, FEATURE_MAPS, chapter_ui
from ui.closeup import closeup_heading_ui, closeup_ui, forget_closeup
from ui.compare import compare_ui, dense_line_ui
from ui.feature_maps import feature_maps_ui
from ui.inputs import INPUT_SOURCES, empty_message, test_digit_ui, upload_ui
from ui.learning import learning_ui
from ui.lecture_view import lecture_view_ui
from ui.lecturer import lecturer_ui
from ui.lesson.frame import Lesson
from ui.lesson.steps import lesson_ui
from ui.live_reading import live_reading_ui
from ui.network_input import network_input_ui, steps_asked_ui, steps_ui
from ui.prediction import prediction_ui, readout_ui, why_asked_ui, why_ui
from ui.resources import (
    first_filters_png,
    mlp_path,
    mlp_store,
    model_path,
    model_store,
    snapshot_history,
    training_job,
    tune_server_process,
)
from ui.send import asked_to_send, forget_send_asked, send_place_ui, send_row
from ui.server_reading import server_answer_ui, server_input_ui, server_readout_ui
from ui.shift_map import shift_map_ui
from ui.sidebar import model_card_ui, retrain_ui
from ui.style import page_style
from ui.training_report import training_report_ui
from ui.wall import wall_drawing_input_ui, wall_page_ui


def input_source_ui() -> str:
    """Draw, a test digit or an upload; outside the drawing's fragment, so a stroke does not send
    the choice again (a widget re-sent on every stroke costs the server about a millisecond);
    choosing another reruns the page."""
    if st.query_params.get("drawing"):  # opened from the class wall
        return "Class wall"
    return st.radio("Input", INPUT_SOURCES, horizontal=True, key="input_source", label_visibility="collapsed")


class ReadingSlots(NamedTuple):
    """Where the server's parts that depend on the reading go, made by drawing_ui in the page's
    layout. reading_ui fills every one on every run that reads the input; for the canvas that is
    the stroke's own fragment (pen_ui), which Streamlit lets write into containers its parent made."""

    # The answer in one line, under the canvas (made beside the input; None for a drawing of one's
    # own: the page draws it, ui/server_reading.py).
    readout: DeltaGenerator | None
    # The 28 x 28 input, and the Prediction with its bars and the dense net's line. None for a
    # drawing of one's own: the page draws them (ui/server_reading.py) from the stroke's piece.
    seen: DeltaGenerator | None
    answer: DeltaGenerator | None
    steps: DeltaGenerator | None  # how the drawing became it (None: not asked)
    why: DeltaGenerator | None  # saliency (None: not asked)
    chapter: DeltaGenerator | None  # the close-up, or the whole chapter (None: nothing of the reading's)


@st.fragment
def drawing_ui(store: ModelStore, dense_store: ModelStore, source: str) -> None:
    """Reruns on its own when one of its widgets changes (a toggle, the chapter, the pen width):
    the sidebar and the rest stay as they are. A stroke reruns less: only pen_ui, inside it.

    Every element of a fragment is re-sent on every run, the unchanging ones too (headings,
    toggles, the chapter radio, the feature grids the page draws itself), and Streamlit's cost per
    element and per widget is most of a stroke's server CPU (bench/RESULTS.md). So what does not
    depend on the drawing is made here, once, and a stroke reruns only the canvas and what the
    server reads from it."""
    loaded, dense = store.current(), dense_store.current()
    pen = source == INPUT_SOURCES[0]
    draw_column, input_column, prediction_column = st.columns([1.3, 1, 1], gap="medium")
    with prediction_column:  # first, so the answer reaches the browser before the pictures
        # The server's answer: set back by page.css while the pen draws something it has not read.
        answer = st.container(key="server_answer")
        if pen:
            with answer:
                server_answer_ui()
        why = st.container() if why_asked_ui() else None
    with input_column:
        st.subheader("What the network sees")
        seen = st.container(key="server_seen")
        if pen:
            with seen:
                server_input_ui()
        steps = st.container() if steps_asked_ui() else None
        chapter = chapter_ui()  # one deep-dive at a time (ui/chapters.py says why), on the first screen
    maps = st.container()
    if chapter == FEATURE_MAPS and pen:  # the page draws the maps from the pen: nothing of the server's
        with maps:
            feature_maps_ui(loaded, None, follows_pen=True)
    closeup_asked = chapter == FEATURE_MAPS and closeup_heading_ui(loaded)
    if chapter != FEATURE_MAPS:
        forget_closeup()
    below = st.container()
    with draw_column:
        if source == "Class wall" and not st.query_params.get("drawing"):  # "Back to drawing my own", pressed here
            st.rerun()  # the whole page: the input choice above is shown again
        slots = ReadingSlots(None, seen, answer, steps, why, below)
        if pen:
            # Written by every stroke's run, or by none of them (Streamlit keeps the fragment's
            # place in each): the page draws the Prediction and the input; the close-up or the
            # chapter only when there is one.
            nothing_below = chapter == FEATURE_MAPS and not closeup_asked
            slots = slots._replace(seen=None, answer=None, chapter=None if nothing_below else below)
            stroke_place = st.container()  # the canvas and its live reading (pen_ui), then:
            with st.container(key="readout"):
                server_readout_ui()  # the answer in a line (narrow screens) or why there is none
            with st.container(key="wall_send_row"):
                send_place_ui()  # the page draws the send row there, from the stroke's piece
            with stroke_place:
                pen_ui(store, dense_store, slots, chapter, closeup_asked)
            pen_width_ui()
            return
        if source == "Class wall":
            prepared = wall_drawing_input_ui(st.query_params.get("drawing"))
        readout = st.container(key="readout")  # right under the canvas: on a phone, on the same screen
        if source == INPUT_SOURCES[1]:
            prepared = test_digit_ui(loaded)
        elif source != "Class wall":
            prepared = upload_ui()
    if prepared is None or prepared.is_empty:
        if source != "Class wall":
            readout.info(empty_message(source, prepared))
        return
    reading = read(loaded.extractor, prepared)
    if chapter == FEATURE_MAPS:
        with maps:
            feature_maps_ui(loaded, reading, follows_pen=False)
    slots = slots._replace(readout=readout)
    readings = (reading, read(dense.extractor, prepared) if dense else None)  # the only dense pass of this input
    reading_ui(slots, (store, dense_store), (loaded, dense), prepared, readings, chapter, closeup_asked, False)


@st.fragment
def pen_ui(store: ModelStore, dense_store: ModelStore, slots: ReadingSlots, chapter: str, closeup_asked: bool) -> None:
    """A stroke reruns this alone: the canvas, its reading and the server's parts that depend on
    it, written into the places drawing_ui made for them."""
    loaded, dense = store.current(), dense_store.current()
    drawing = canvas_ui(controls=False)  # its buttons come with the live reading, right under it
    prepared = preprocess(drawing) if drawing is not None else None
    reading = dense_reading = None
    if prepared is not None and not prepared.is_empty:
        reading = read(loaded.extractor, prepared)  # here: the page's reading goes right under the canvas
        dense_reading = read(dense.extractor, prepared) if dense else None  # the only dense pass of this drawing
    # What the page draws into drawing_ui's places (ui/server_reading.py): the Prediction, the
    # input (from the piece's own `input`) and the answer in a line, or why there is none.
    markup = {"answer": None, "readout": message_html(empty_message(INPUT_SOURCES[0], prepared))}
    if reading is not None:
        dense_probabilities = dense_reading.probabilities if dense_reading else None
        markup = {"answer": prediction_html(reading.probabilities, dense_probabilities)}
        markup["readout"] = readout_html(reading.probabilities)
        markup["send"] = send_row(loaded, reading)  # a Send pressed for this run answered first
    else:
        forget_send_asked()
    dense_live = dense if chapter == COMPARE else None  # the dense net in the page too, when compared
    live_reading_ui(loaded, reading, with_controls=True, markup=markup, on_send=asked_to_send, dense=dense_live)
    if reading is None:
        # Every place is written on every run: Streamlit keeps this fragment's position in each.
        for slot in (slots.steps, slots.why, slots.chapter):
            if slot is not None:
                slot.empty()
        return
    models = (loaded, dense)
    reading_ui(slots, (store, dense_store), models, prepared, (reading, dense_reading), chapter, closeup_asked, True)


def reading_ui(
    slots: ReadingSlots,
    stores: tuple[ModelStore, ModelStore],
    models: tuple[LoadedModel, LoadedModel | None],
    prepared: Preprocessed,
    readings: tuple[Reading, Reading | None],
    chapter: str,
    closeup_asked: bool,
    follows_pen: bool,
) -> None:
    """Everything the server shows of one reading, each part in its place (see ReadingSlots)."""
    (store, dense_store), (loaded, dense), (reading, dense_reading) = stores, models, readings
    st.session_state.last_input = reading.image  # what a Retrain pressed now follows as it learns
    if slots.readout is not None:
        readout_ui(slots.readout, reading)
    if slots.answer is not None:
        with slots.answer:
            prediction_ui(reading)
            dense_line_ui(dense_reading)
    if slots.why is not None:
        with slots.why:
            why_ui(loaded, reading)
    if slots.seen is not None:
        with slots.seen:
            network_input_ui(prepared)
    if slots.steps is not None:
        with slots.steps:
            steps_ui(prepared)
    if slots.chapter is None:
        return
    with slots.chapter:
        if chapter == FEATURE_MAPS:
            if closeup_asked:
                closeup_ui(loaded, reading)
            else:
                st.empty()
        elif chapter == COMPARE:
            filters_png = first_filters_png(loaded, store.path.as_posix(), loaded.version)
            compare_ui(loaded, reading, dense, dense_reading, filters_png, dense_store.problem)
            shift_map_ui(reading, loaded, dense)
        elif chapter == AMONG:
            among_class_ui(loaded, reading, dense, follows_pen=follows_pen)


def show_view(name: str) -> None:
    """Switch views through the URL, so each can be bookmarked (?view=lecture, ?view=wall). From a
    page of its own (/lecture, /lesson, ...) the switch goes through the drawing page (main)."""
    st.query_params.pop("drawing", None)
    if name in VIEWS:
        st.query_params["view"] = name
    else:
        st.query_params.pop("view", None)
    st.session_state.switch_to_view = name


@st.fragment
def lecture_drawing_ui(store: ModelStore, dense_store: ModelStore) -> None:
    """The lecture view: canvas on the left, the whole network reading it on the right, and one
    line with what the dense net reads, for the notebook's comparison. Reruns on its own when one
    of its buttons is pressed; a stroke reruns only lecture_pen_ui, inside it, so the title, the
    columns and the buttons are not sent again on every stroke (each element costs the server)."""
    canvas_column, network_column = st.columns([290, 1000], gap="small")
    network = network_column.container()
    with canvas_column:
        st.container(key="lecture_title").markdown("**Digit lens** · the whole network")
        pen = st.container()  # the canvas goes here, then its buttons, then the readout
        canvas_controls_ui()
        with st.container(key="readout"):
            server_readout_ui()  # the page draws the readout into it, from the view's piece
        with pen:
            lecture_pen_ui(store, dense_store, network)
        # In this fragment a button reruns only the fragment: the switch needs the whole app's run
        # (from /lecture it goes through the drawing page, see main()).
        for label, view, key in (
            ("Detailed view", "detailed", "to_detailed_view"),
            ("Class wall", "wall", "lecture_to_wall"),
        ):
            if st.button(label, key=key):
                show_view(view)
                st.rerun(scope="app")


@st.fragment
def lecture_pen_ui(store: ModelStore, dense_store: ModelStore, network: DeltaGenerator) -> None:
    """A stroke reruns this alone: the canvas, and what the server reads from it written into
    the network's column lecture_drawing_ui made (on every run: Streamlit keeps this fragment's
    position in it). The readout under the canvas's buttons rides in the view's piece, as markup
    the page draws into its place (ui/server_reading.py): two elements fewer a stroke."""
    loaded, dense = store.current(), dense_store.current()
    drawing = canvas_ui(controls=False)  # its buttons are mounted once, outside this fragment
    prepared = preprocess(drawing) if drawing is not None else None
    with network:
        if prepared is None or prepared.is_empty:
            # The page reads the pen itself from the first stroke on.
            lecture_view_ui(loaded, None, message_html(empty_message(INPUT_SOURCES[0], prepared)))
            return
        reading = read(loaded.extractor, prepared)
        dense_reading = read(dense.extractor, prepared) if dense else None
        readout = readout_html(reading.probabilities, dense_reading.probabilities if dense_reading else None)
        lecture_view_ui(loaded, reading, readout)


VIEWS = ("lecture", "wall", "lesson")  # besides the detailed view, the page's default


def serve(view: str, lesson_page: st.Page | None = None) -> None:
    """One run of the page in `view`: "detailed", "lecture", "wall" or "lesson"."""
    lecture, wall, lesson = view == "lecture", view == "wall", view == "lesson"
    st.set_page_config(
        page_title="Digit lens" + (" · lesson" if lesson else ""),
        page_icon="✏️",  # the character itself: a ":name:" made Streamlit try to open it as a file each run
        layout="wide",
        initial_sidebar_state="collapsed" if lecture or wall or lesson else "auto",
    )
    tune_server_process()
    page_style(lecture or wall)
    path, dense_path = model_path(), mlp_path()
    store, dense_store, job = model_store(path), mlp_store(dense_path), training_job(path, dense_path)
    loaded, dense = store.current(), dense_store.current()
    with st.sidebar:
        model_card_ui(loaded, dense)
        retrain_ui(job)
    if view == "detailed":
        title_column, lesson_column, wall_column, switch_column = st.columns(
            [3.6, 0.8, 0.8, 1], vertical_alignment="bottom"
        )
        title_column.title("How a convnet reads your digit")
        if lesson_page is not None:
            lesson_column.container(key="to_lesson").page_link(lesson_page, label="Lesson", width="stretch")
        wall_column.button("Class wall", on_click=show_view, args=("wall",), key="to_wall")
        switch_column.button(
            "Lecture view", on_click=show_view, args=("lecture",), key="to_lecture_view", type="primary"
        )
    if store.problem:
        (st.error if loaded is None else st.warning)(store.problem)
    if loaded is None:
        st.info("Retrain a model from the sidebar to start; it takes about a minute.")
        return
    if lecture:
        lecture_drawing_ui(store, dense_store)
        return
    if wall:
        wall_page_ui(store)
        lecturer_ui(job)
        st.button("Back to drawing", on_click=show_view, args=("detailed",), key="wall_to_detailed")
        return
    if lesson:
        lesson_ui(Lesson(loaded, dense, job, path), leave=lambda: show_view("detailed"))
        return
    drawing_ui(store, dense_store, input_source_ui())
    learning_ui(
        {
            "convnet": snapshot_history(path, loaded.version),
            "mlp": snapshot_history(dense_path, dense.version) if dense else None,
        }
    )
    training_report_ui(loaded)


def main() -> None:
    """The app's pages (Streamlit's own navigation, each with its address: /lecture, /wall,
    /lesson); the drawing page also opens the others from `?view=`, as links made before the
    pages existed do."""
    pages = {
        "detailed": st.Page(lambda: serve(_view_asked(), pages["lesson"]), title="Draw", default=True),
        **{
            view: st.Page(lambda view=view: serve(view), title=title, url_path=view)
            for view, title in (("lecture", "Lecture view"), ("wall", "Class wall"), ("lesson", "Lesson"))
        },
    }
    page = st.navigation(list(pages.values()), position="hidden")
    switch = st.session_state.pop("switch_to_view", None)
    if switch is not None and page is not pages["detailed"] and switch != page.url_path:
        st.switch_page(pages["detailed"], query_params={"view": switch} if switch in VIEWS else None)
    page.run()


def _view_asked() -> str:
    view = st.query_params.get("view")
    return view if view in VIEWS else "detailed"


if __name__ == "__main__":  # `streamlit run app.py` runs it as __main__; tests may import it
    main()
