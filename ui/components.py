"""Our own Components v2 pieces: each is `static/components/<stem>.js` and `<stem>.css` (the
browser's code lives under static/), sent inline (no build step), registered once at import
under the name `digit_lens.<stem>`."""

import base64
from pathlib import Path

import streamlit as st

from display.render import colour_table

_COMPONENTS = Path(__file__).resolve().parent.parent / "static" / "components"
# The colour table the browser-drawn maps use, the same viridis as the server's pictures.
VIRIDIS = base64.b64encode(colour_table("viridis").tobytes()).decode("ascii")
# And the diverging one for weights: red positive, blue negative, white zero.
RED_BLUE = base64.b64encode(colour_table("RdBu_r").tobytes()).decode("ascii")


def own_component(stem: str, html: str):
    return st.components.v2.component(
        f"digit_lens.{stem}",
        html=html,
        css=(_COMPONENTS / f"{stem}.css").read_text(),
        js=(_COMPONENTS / f"{stem}.js").read_text(),
    )
