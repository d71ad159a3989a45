"""Running the page headless with Streamlit's AppTest, and reading what it shows."""

import html
import json
import re

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from tests.support import REPO

APP = str(REPO / "app.py")


def start_app(query_params: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for name, value in (query_params or {}).items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


def open_chapter(app, name: str) -> None:
    """Pick one of the deep-dive chapters under the answer (ui/chapters.py)."""
    app.session_state["chapter"] = name
    app.run()
    assert not app.exception, app.exception


def feature_maps(app) -> list[dict]:
    """The layers the feature-map component (ui/feature_maps.py) was sent last run."""
    data = component_data(app, "digit_lens.feature_grid")
    return data["layers"] if data else []


def predictions(app) -> list[str]:
    """The Prediction's value as the page shows it ("7  (99%)"): Streamlit's metric for a test
    digit, an upload or a wall drawing; for a drawing of one's own, the markup the stroke's piece
    carries for the page to draw (ui/server_reading.py)."""
    shown = [m.value for m in app.main.metric if m.label == "Prediction"]
    answer = answer_markup(app)
    if answer:
        shown.append(html.unescape(re.search(r'<div class="sr-value">([^<]*)</div>', answer).group(1)))
    return shown


def answer_markup(app, part: str = "answer") -> str:
    """What the stroke's piece carries for the page to draw (ui/server_reading.py): the server's
    Prediction ("answer") or the line under the canvas ("readout"); "" when there is none."""
    pieces = [e for e in app.get("bidi_component") if e.proto.component_name == "digit_lens.canvas_reading"]
    return (json.loads(pieces[-1].proto.json or "{}").get(part) or "") if pieces else ""


def send_row(app) -> dict | None:
    """What the stroke's piece carries for the page's send row (ui/send.py send_row): {key, digit,
    sent}; None when nothing is read."""
    pieces = [e for e in app.get("bidi_component") if e.proto.component_name == "digit_lens.canvas_reading"]
    return json.loads(pieces[-1].proto.json or "{}").get("send") if pieces else None


def press_send(app, digit: int | None = None, key: str | None = None, press: int = 1) -> dict | None:
    """Press the page's "Send to the class wall" as static/js/send_row.js does: the stroke's
    piece fires its trigger `send` with {key: the drawing shown (default: the one the row was
    drawn for), digit: the one meant (default: the row's first choice), id}. AppTest has no call
    for a Components v2 trigger, so the run is made with the widget states AppTest would send
    and the trigger's value beside them, as the browser sends it. Returns the row's `sent`."""
    row = send_row(app)
    assert row, "no send row: nothing is read"
    [piece] = [e for e in app.get("bidi_component") if e.proto.component_name == "digit_lens.canvas_reading"]
    asked = {"key": row["key"] if key is None else key, "digit": row["digit"] if digit is None else digit, "id": press}
    states = WidgetStates()
    states.CopyFrom(app._tree.get_widget_states())
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(piece.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "send", "value": asked}])
    app._run(states)
    assert not app.exception, app.exception
    return (send_row(app) or {}).get("sent")


def messages_shown(app) -> str:
    """Every info and warning on the page, and the readout's words under the canvas."""
    shown = [str(e.value) for e in [*app.main.info, *app.main.warning]]
    return " ".join([*shown, html.unescape(re.sub(r"<[^>]+>", " ", answer_markup(app, "readout")))])


def sidebar_text(app) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "success", "info", "warning", "error")
        for e in getattr(app.sidebar, kind)
    ]
    return "\n".join(str(p) for p in parts)


def component_data(app, name: str):
    """The data a Components v2 piece of ours (e.g. "digit_lens.lecture_view") was sent last run."""
    shown = [e for e in app.get("bidi_component") if e.proto.component_name == name]
    assert shown, f"{name} is not on the page"
    return json.loads(shown[-1].proto.json) if shown[-1].proto.json else None


def press_retrain(app, epochs=1, batch_size=32):
    app.slider(key="retrain_epochs").set_value(epochs)
    app.select_slider(key="retrain_batch_size").set_value(batch_size)
    [button for button in app.sidebar.button if button.label == "Retrain"][0].click()
    app.run()
    assert not app.exception, app.exception
