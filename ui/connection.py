"""No server, no problem: while the websocket to the server is down, the page keeps drawing and
reading in the browser, says quietly under the canvas that it is reconnecting (no modal dialog
over the canvas) and greys the server's answers, which are for an earlier drawing; when the
connection is back, the server catches up with the drawing as it is. The CSS half is in
static/page/page.css, the script half in static/js/connection_watch.js (which says what
Streamlit does on a dropped connection, and why each part is needed)."""

from ui.components import own_component

_watch = own_component("connection_watch", html='<div class="connection-watch"></div>')


def connection_watch_ui() -> None:
    """Outside every fragment: its catch-up rerun is the whole page's, carrying every widget's state."""
    _watch(key="connection_watch", width="content", height="content")
