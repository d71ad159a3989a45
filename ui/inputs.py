"""Where the digit comes from: the canvas, a digit of the MNIST test set, or an uploaded picture.

Session state it owns: `input_source`, `gallery_*`, `upload`.
"""

import numpy as np
import streamlit as st

from cnn.files.mnist import MnistError
from cnn.files.pictures import PictureError, read_picture
from cnn.net.preprocess import Preprocessed, as_model_input, preprocess
from cnn.serving.gallery import pick_other
from cnn.serving.model_store import LoadedModel
from display.render import outline_box
from ui.pictures import show_picture
from ui.resources import test_digits

INPUT_SOURCES = ("Draw", "MNIST test digit", "Upload a picture")


GALLERY_MODES = ("any digit", "a digit of my choice", "one the model gets wrong")


UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


EMPTY_HINTS = {
    "Draw": "Draw one digit, 0 to 9, on the black square: big and in the middle works best, but anywhere works.",
    "MNIST test digit": "No test digit to show.",
    "Upload a picture": "Upload a picture of one digit to see how the network reads it.",
}


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
    show_picture(
        st,
        outline_box(prepared.ink, prepared.crop_box),
        alt="Your uploaded picture as white ink on black, with a box around the digit the network will read",
        width=200,
        caption="Your picture, as ink",
    )
    return prepared


def empty_message(source: str, prepared: Preprocessed | None) -> str:
    """What to say when there is nothing to read: a hint for this input, or why the ink was refused."""
    return EMPTY_HINTS[source] if prepared is None or prepared.status == "blank" else prepared.message


def use_test_digit(index: int, version: int) -> None:
    """Make a test digit the page's input (a button callback, so it runs before the rerun)."""
    st.session_state.input_source = INPUT_SOURCES[1]
    st.session_state.gallery_mode = GALLERY_MODES[0]
    st.session_state.gallery_choice = (GALLERY_MODES[0], None, version)
    st.session_state.gallery_index = index
