"""No server, no problem: while the websocket to the server is down, the page keeps drawing and
reading in the browser, says quietly under the canvas that it is reconnecting (no modal dialog
over the canvas) and greys the server's answers, which are for an earlier drawing; when the
connection is back, the server catches up with the drawing as it is. The CSS half is in
static/page/page.css, the script half in static/js/connection_watch.js (which says what
Streamlit does on a dropped connection, and why each part is needed)."""

import uuid

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
    The page is told which server process it is on; a catch-up from a page that was on another
    one came back to this process (a replica died or was restarted): said once per move, plainly,
    with what could not come along. (Not "the session's first run": Streamlit's own rerun may run
    the page there before the catch-up does.)"""
    result = _watch(
        data={"process": THIS_PROCESS},
        key="connection_watch",
        width="content",
        height="content",
        on_reconnected_change=lambda: None,
    )
    came_back = getattr(result, "reconnected", None)
    if isinstance(came_back, dict) and came_back.get("process") not in (None, THIS_PROCESS):
        st.toast(MOVED, icon="🔌", duration="long")


# This server process, as the pages it serves know it: not its pid, which every pod's first
# process shares on Kubernetes and a restarted replica may be given again.
THIS_PROCESS = uuid.uuid4().hex[:16]
