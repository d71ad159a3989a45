"""The page's own CSS (static/page/page.css), sent once per run as a style element that takes no space,
and the piece that keeps the page usable while the connection to the server is down (ui/connection.py)."""

from functools import cache
from pathlib import Path

import streamlit as st

from ui.connection import connection_watch_ui


@cache
def _css(name: str) -> str:
    return (Path(__file__).resolve().parent.parent / "static" / "page" / name).read_text()


def page_style(lecture: bool = False) -> None:
    """lecture: the lecture view's narrower margins on top (lecture.css)."""
    css = _css("page.css") + (_css("lecture.css") if lecture else "")
    st.html(f"<style>{css}</style>")
    connection_watch_ui()
