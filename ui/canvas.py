"""The drawing surface: streamlit-drawable-canvas, mended so that no stroke is lost.

What it gets wrong is worked around here, without replacing it:
- its floating toolbar covers the canvas's top band and eats strokes that start there; it is
  hidden and its Undo, Redo and reset are pressed from buttons of our own under the canvas
  (canvas_controls.js says how);
- it is drawn at a fixed size (280 px: a quarter of a phone's width wasted, and wider than the
  lecture view's column); canvas_fit.js zooms it to fit its column instead, keeping its 280
  canvas pixels, so the network receives the same input at any size (run by the controls: one
  component under the canvas, not two, as Streamlit re-sends every element on every stroke);
- a Clear done in Python (a new key, hence a new canvas) lands a round trip later and wipes a
  stroke started in between; Clear here is the library's own reset, done in the browser.
"""

import numpy as np
import streamlit as st

from ui.components import own_component

CANVAS_PIXELS = 280
DEFAULT_STROKE = 22  # on a 280 px canvas, a digit drawn 200 px tall gets MNIST-like 2-3 px strokes
CANVAS_KEY = "canvas"

_controls = own_component(
    "canvas_controls",
    html=(
        '<div class="canvas-controls" role="group" aria-label="Canvas">'
        '<button type="button" data-action="undo" disabled>Undo</button>'
        '<button type="button" data-action="redo" disabled>Redo</button>'
        '<button type="button" data-action="clear" title="Clear the canvas">Clear</button>'
        "</div>"
    ),
)


def canvas_ui() -> np.ndarray | None:
    """The canvas and its Undo / Redo / Clear; returns the RGBA drawing, None before any stroke."""
    return _canvas(None).image_data


def kept_canvas_ui(initial_drawing: dict | None) -> tuple[np.ndarray | None, dict | None]:
    """The canvas drawn again with earlier strokes (its own `json_data`, e.g. when a student
    comes back to a page); returns the RGBA drawing (None until the next stroke) and the strokes."""
    result = _canvas(initial_drawing)
    return result.image_data, result.json_data


def _canvas(initial_drawing: dict | None):
    from streamlit_drawable_canvas import st_canvas  # registers only inside a running app

    result = st_canvas(
        initial_drawing=initial_drawing,
        stroke_width=st.session_state.get("stroke_width", DEFAULT_STROKE),
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_PIXELS,
        width=CANVAS_PIXELS,
        drawing_mode="freedraw",
        return_image_data=True,
        key=CANVAS_KEY,
    )
    _controls(key="canvas_controls", data={"pixels": CANVAS_PIXELS}, width="content", height="content")
    return result


def pen_width_ui() -> None:
    """Below the readout: on a phone the answer must stay on the canvas's screen."""
    st.slider("Pen width", 8, 40, DEFAULT_STROKE, key="stroke_width")
