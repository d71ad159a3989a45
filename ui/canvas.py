"""The drawing surface: streamlit-drawable-canvas, mended so that no stroke is lost.

What it gets wrong is worked around here, without replacing it:
- its floating toolbar covers the canvas's top band and eats strokes that start there; it is
  hidden and its Undo, Redo and reset are pressed from buttons of our own under the canvas
  (canvas_controls.js says how);
- it is drawn at a fixed size (280 px: a quarter of a phone's width wasted, and wider than the
  lecture view's column); canvas_fit.js zooms it to fit its column instead, keeping its 280
  canvas pixels, so the network receives the same input at any size (run by the controls: one
  component under the canvas, not two, as Streamlit re-sends every element on every stroke; in
  the detailed view the live reading's piece holds the controls too);
- a Clear done in Python (a new key, hence a new canvas) lands a round trip later and wipes a
  stroke started in between; Clear here is the library's own reset, done in the browser.
"""

import numpy as np
import streamlit as st

from ui.components import own_component

CANVAS_PIXELS = 280
DEFAULT_STROKE = 22  # on a 280 px canvas, a digit drawn 200 px tall gets MNIST-like 2-3 px strokes
CANVAS_KEY = "canvas"

CONTROLS_HTML = (
    '<div class="canvas-controls" role="group" aria-label="Canvas">'
    '<button type="button" data-action="undo" disabled>Undo</button>'
    '<button type="button" data-action="redo" disabled>Redo</button>'
    '<button type="button" data-action="clear" title="Clear the canvas">Clear</button>'
    "</div>"
)
CONTROLS_DATA = {"pixels": CANVAS_PIXELS}
_controls = own_component("canvas_controls", html=CONTROLS_HTML)


def canvas_ui(controls: bool = True) -> np.ndarray | None:
    """The canvas and its Undo / Redo / Clear; returns the drawing, (280, 280) uint8 grey (see
    `drawn_picture`), None before any stroke.
    controls=False: the canvas alone, its buttons mounted right after it by the caller's own piece
    (ui/live_reading.py live_reading_ui(with_controls=True): one element per stroke, not two)."""
    drawing = _canvas(None, controls).image_data
    return None if drawing is None else drawn_picture(drawing)


def drawn_picture(rgba: np.ndarray) -> np.ndarray:
    """The canvas's RGBA picture (H, W, 4) as one grey channel (H, W), a view, no copy.

    The canvas draws white (#FFFFFF) on opaque black (#000000), so every pixel, anti-aliased
    edges included, has R = G = B and alpha 255: one channel is the whole drawing, and
    preprocessing it gives the RGBA's numbers (within float rounding, 6e-8) in a quarter of the
    time (0.32 ms against 1.33 ms a stroke: the RGBA's four channels made floats, then luma)."""
    return rgba[..., 0]


def kept_canvas_ui(initial_drawing: dict | None) -> tuple[np.ndarray | None, dict | None]:
    """The canvas drawn again with earlier strokes (its own `json_data`, e.g. when a student
    comes back to a page); returns the RGBA drawing (None until the next stroke) and the strokes."""
    result = _canvas(initial_drawing)
    return result.image_data, result.json_data


def _canvas(initial_drawing: dict | None, controls: bool = True):
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
    if controls:
        canvas_controls_ui()
    return result


def canvas_controls_ui() -> None:
    """The canvas's Undo / Redo / Clear and its zoom to the column. They need nothing from the
    server after their mount (canvas_controls.js follows the canvas itself), so a page may mount
    them outside the stroke's fragment, once, right under the place the canvas goes."""
    _controls(key="canvas_controls", data=CONTROLS_DATA, width="content", height="content")


def pen_width_ui() -> None:
    """Below the readout: on a phone the answer must stay on the canvas's screen."""
    st.slider("Pen width", 8, 40, DEFAULT_STROKE, key="stroke_width")
