"""No server, no problem: while the websocket to the server is down, the page keeps drawing and
reading in the browser, says quietly under the canvas that it is reconnecting (no modal dialog
over the canvas) and greys the server's answers, which are for an earlier drawing; when the
connection is back, the server catches up with the drawing as it is. The CSS half is in
static/page/page.css, the script half in static/js/connection_watch.js (which says what
Streamlit does on a dropped connection, and why each part is needed)."""

import streamlit as st

from ui.components import own_component

_watch = own_component("connection_watch", html='<div class="connection-watch"></div>')


MOVED = (
    "The connection came back to another server process (the one this page was on stopped). Your "
    'drawing is read again; what the old one kept for this tab is gone: the last "Sent" note, the '
    "unit you chose in the lecture view, a retrain started from here (it stopped with that process)."
)


def connection_watch_ui() -> None:
    """Outside every fragment: its catch-up rerun is the whole page's, carrying every widget's state.
    A catch-up that is the first run of its session came back to another process (a replica died or
    was restarted): said once, plainly, with what could not come along."""
    first_run_here = "page_ran_here" not in st.session_state
    st.session_state.page_ran_here = True
    result = _watch(key="connection_watch", width="content", height="content", on_reconnected_change=lambda: None)
    if first_run_here and getattr(result, "reconnected", None):
        st.toast(MOVED, icon="🔌", duration="long")
