"""The server's Prediction, its 28 x 28 input and its answer in a line under the canvas, for a
drawing of one's own (detailed view; the lecture view's readout too).

Places made once by the drawing's fragment (app.py drawing_ui, lecture_drawing_ui), each a bare
`st.html`; the stroke's one piece (the live reading's, ui/live_reading.py, or the lecture view's)
carries the server's input and the rest as markup (display/answer.py), and its script draws them
into these places (static/js/server_reading.js). A stroke so sends none of the elements these
were (a metric, a warning, the bars, the dense net's line, the input's picture, the readout's
containers and line), each 0.1-0.3 ms of server CPU a stroke; and the places are no pieces of
their own: every piece on the page is a widget whose state each stroke's message carries and the
server goes through, drawn again or not (bench/RESULTS.md).
A test digit, an upload or a wall drawing (no strokes) keeps Streamlit's own elements
(ui/prediction.py, ui/network_input.py).
"""

from html import escape

import streamlit as st

from ui.network_input import INPUT_ALT

EMPTY_INPUT = "The 28 x 28 input appears here once you draw."


def server_answer_ui() -> None:
    """The place of the Prediction, its "Not sure" line, the ten bars and the dense net's line."""
    st.html('<div class="sr-root" data-part="answer" hidden></div>')


def server_readout_ui() -> None:
    """The place of the readout under the canvas: the answer in one line (and, in the lecture
    view, the dense net's line), or why there is nothing to read; drawn from the stroke's piece."""
    st.html('<div class="sr-root" data-part="readout"></div>')


def server_input_ui() -> None:
    """The place of the 28 x 28 input, under the page's heading "What the network sees"."""
    st.html(
        f'<div class="sr-root" data-part="input" data-alt="{escape(INPUT_ALT)}" '
        f'data-caption="28 x 28 input, enlarged" data-empty="{escape(EMPTY_INPUT)}">'
        f'<p class="sr-caption">{escape(EMPTY_INPUT)}</p></div>'
    )
