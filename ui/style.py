"""The page's own CSS (page.css), sent once per run as a style element that takes no space."""

from functools import cache
from pathlib import Path

import streamlit as st


@cache
def _css() -> str:
    return (Path(__file__).parent / "page.css").read_text()


def page_style() -> None:
    st.html(f"<style>{_css()}</style>")
