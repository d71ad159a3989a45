"""What the network sees: the 28x28 input, and how the drawing became it.

Session state it owns: `show_steps`.
"""

import base64

import streamlit as st

from cnn.net.preprocess import Preprocessed
from display.render import enlarge, outline_box, png_bytes
from ui.pictures import show_picture

INPUT_ALT = (
    "The 28 by 28 pixel image the network receives: your digit in white on black, "
    "cropped to its ink, scaled to fit 20 by 20 pixels and centred"
)
STEP_ALTS = (
    "Your drawing as the network's preprocessing sees it, with a box around the ink it keeps",
    "The ink inside that box, scaled so its longer side is 20 pixels",
    "The scaled digit placed in a 28 by 28 image with its centre of mass in the middle",
)


def network_input_ui(prepared: Preprocessed) -> None:
    """The input, under the page's heading "What the network sees" (made once, not per stroke)."""
    # 28 x 28 pixels sent, shown as wide as the column (page.css keeps them crisp): 81 times less to encode.
    # Inline, as a data: address of ~1 KB in the message: a picture of its own per stroke cost the
    # server more (Streamlit's media file store, then the browser's request for it) than the bytes.
    grey = enlarge(prepared.image, 28)[..., 0]  # one channel of the grey colour map: a third of the bytes
    png = base64.b64encode(png_bytes(grey)).decode("ascii")
    st.image(
        f"data:image/png;base64,{png}",
        alt=INPUT_ALT,
        caption="28 x 28 input, enlarged",
        width="stretch",
    )


def steps_asked_ui() -> bool:
    """The switch for steps_ui; apart from it, so a stroke does not send it again."""
    return st.toggle("Show how the drawing became this", key="show_steps")


def steps_ui(prepared: Preprocessed) -> None:
    """The preprocessing's three steps, each a picture."""
    rows, cols = prepared.shift
    steps = [
        (outline_box(prepared.ink, prepared.crop_box), "1. Find the ink's bounding box"),
        (
            enlarge(prepared.digit, 140),
            f"2. Scale it to fit 20 x 20 ({prepared.digit.shape[1]} x {prepared.digit.shape[0]})",
        ),
        (enlarge(prepared.image, 140), f"3. Centre its mass in 28 x 28 (moved {rows:+d}, {cols:+d})"),
    ]
    for column, (picture, caption), alt in zip(st.columns(3), steps, STEP_ALTS, strict=True):
        show_picture(column, picture, alt=alt, caption=caption, width="stretch")
