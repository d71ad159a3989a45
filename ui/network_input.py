"""What the network sees: the 28x28 input, and how the drawing became it.

Session state it owns: `show_steps`.
"""

import streamlit as st

from cnn.net.preprocess import Preprocessed
from display.render import enlarge, outline_box
from ui.pictures import show_picture


def network_input_ui(prepared: Preprocessed) -> None:
    st.subheader("What the network sees")
    # 28 x 28 pixels sent, shown as wide as the column (page.css keeps them crisp): 81 times less to encode
    show_picture(st, enlarge(prepared.image, 28), caption="28 x 28 input, enlarged", width="stretch")
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
