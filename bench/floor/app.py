"""Streamlit's floor for a stroke: the least a page that reads a drawing on the server can do.
The canvas and its Undo / Redo / Clear in a fragment, the preprocessing, one forward pass and one
line of text, nothing else. bench/load_test.py --view floor serves it, so each view's server CPU
per stroke can be given as a ratio to this page's, measured in the same run of the machine (its
speed changes about 2x within a session; absolute milliseconds from different hours do not
compare).

Served from here: `static` beside it is a link to the app's (Streamlit serves the static folder
beside the main script), and harness/browser.py running_app puts the repository on PYTHONPATH.
"""

import streamlit as st

from cnn.net.preprocess import preprocess
from cnn.net.reading import read
from ui.canvas import canvas_ui
from ui.resources import model_path, model_store, tune_server_process


@st.fragment
def drawing_ui() -> None:
    drawing = canvas_ui()
    prepared = preprocess(drawing) if drawing is not None else None
    if prepared is None or prepared.is_empty:
        st.markdown("Draw a digit.")
        return
    reading = read(model_store(model_path()).current().extractor, prepared)
    st.markdown(f"The network reads **{reading.digit}** ({reading.confidence:.0%} sure)")


st.set_page_config(page_title="Digit lens · floor", layout="wide")
tune_server_process()
drawing_ui()
