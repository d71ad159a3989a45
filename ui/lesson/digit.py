"""The student's digit, kept across the lesson's steps: drawn on step 1's canvas, read by the
network once per drawing, and remembered (with the canvas's strokes, so step 1 shows them again).

Session state it owns: `lesson_prepared`, `lesson_strokes`, `lesson_strokes_on_entry`,
`lesson_on_canvas_step` (the frame sets it False on every other step).
"""

import streamlit as st

from cnn.net.preprocess import Preprocessed, preprocess
from cnn.net.reading import Reading, read
from cnn.serving.model_store import LoadedModel
from ui.canvas import kept_canvas_ui
from ui.inputs import INPUT_SOURCES, empty_message
from ui.live_reading import live_reading_ui
from ui.prediction import readout_ui


def draw_digit_ui(loaded: LoadedModel) -> Preprocessed | None:
    """Step 1's canvas, with the live reading under it; returns the digit as the network gets it."""
    # The strokes as they were when the student came to this step: passed unchanged while they
    # draw (a new value would make the canvas load them again over the pen).
    if st.session_state.get("lesson_on_canvas_step") is not True:
        st.session_state.lesson_strokes_on_entry = st.session_state.get("lesson_strokes")
    st.session_state.lesson_on_canvas_step = True
    drawing, strokes = kept_canvas_ui(st.session_state.get("lesson_strokes_on_entry"))
    prepared = preprocess(drawing) if drawing is not None else None
    if drawing is not None and strokes is not None:
        st.session_state.lesson_strokes = strokes
    reading = read(loaded.extractor, prepared) if prepared is not None and not prepared.is_empty else None
    live_reading_ui(loaded, reading)
    readout = st.container(key="readout")
    if reading is None:
        if drawing is not None or "lesson_prepared" not in st.session_state:
            readout.info(empty_message(INPUT_SOURCES[0], prepared))
            st.session_state.pop("lesson_prepared", None)
        return kept_digit()
    readout_ui(readout, reading)
    st.session_state.lesson_prepared = prepared
    return prepared


def kept_digit() -> Preprocessed | None:
    return st.session_state.get("lesson_prepared")


def kept_reading(loaded: LoadedModel) -> Reading | None:
    prepared = kept_digit()
    return read(loaded.extractor, prepared) if prepared is not None else None


def no_digit_ui() -> None:
    st.info("This step works on your own digit: draw one on step 1 first.")
