"""What a real Chromium sends on a stroke, recorded and replayed.

`record` opens the page in Chromium, draws digits with the mouse and keeps, for each stroke, the
BackMsg the page sent over /_stcore/stream: a rerun of the drawing's fragment carrying the state
of every mounted widget (the sidebar's, the pen width, the toggles...) and the canvas's whole
Fabric JSON with its PNG data URL. `replayed` turns one of them into the message a load-test
client sends: the same bytes, with only what belongs to the client's own connection rewritten
(the page URL it reports, the hashes of the messages it holds in its cache).

A recording is only right for the code it was made against: widget ids are hashes of keys (and
for some widgets of their arguments), and the set of mounted widgets changes with the page.
`stale_ids` says where a recording and a running server disagree.
"""

import base64
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg

from harness.browser import chromium, clear_canvas, draw_digit, open_page

VIEWS = {"detailed": "", "lecture": "view=lecture"}  # the app's; bench/floor/app.py is a page of its own, at /
CANVAS_KEY = "canvas"  # ui/canvas.py's key; the canvas's widget id ends with it
# Where the digits are drawn, as fractions of the canvas (left, top, size): a spread of sizes and places.
PLACES = [(0.2, 0.15, 0.65), (0.05, 0.05, 0.5), (0.35, 0.3, 0.6), (0.1, 0.3, 0.45)]
_WIDGET_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(.*)$")


@dataclass
class Stroke:
    message: bytes  # the serialized BackMsg, as Chromium sent it
    digit: int  # what was drawn


@dataclass
class Recording:
    view: str
    canvas_id: str
    fragment_id: str
    strokes: list[Stroke]

    def to_json(self) -> str:
        return json.dumps(
            {
                "view": self.view,
                "canvas_id": self.canvas_id,
                "fragment_id": self.fragment_id,
                "strokes": [
                    {"digit": s.digit, "backmsg": base64.b64encode(s.message).decode("ascii")} for s in self.strokes
                ],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> "Recording":
        data = json.loads(text)
        strokes = [Stroke(base64.b64decode(s["backmsg"]), int(s["digit"])) for s in data["strokes"]]
        return cls(data["view"], data["canvas_id"], data["fragment_id"], strokes)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")

    @classmethod
    def load(cls, path: Path) -> "Recording":
        return cls.from_json(Path(path).read_text())

    def stroke_states(self) -> list[list]:
        """Each stroke's widget states (WidgetState protobufs)."""
        return [list(BackMsg.FromString(s.message).rerun_script.widget_states.widgets) for s in self.strokes]

    def widget_ids(self) -> set[str]:
        """Every widget id any recorded stroke carries a state for."""
        return {w.id for states in self.stroke_states() for w in states}


def user_key(widget_id: str) -> str | None:
    match = _WIDGET_ID.match(widget_id)
    return match.group(1) if match and match.group(1) != "None" else None


def canvas_has_ink(message: BackMsg) -> bool:
    """Whether a rerun carries a drawing (Clear sends one too, with no objects)."""
    for widget in message.rerun_script.widget_states.widgets:
        if user_key(widget.id) == CANVAS_KEY and widget.WhichOneof("value") == "json_value":
            return bool(json.loads(widget.json_value)["drawing"]["raw"]["objects"])
    return False


def replayed(stroke: Stroke, page_url: str, cached_hashes=()) -> bytes:
    """The recorded stroke as a client of `page_url` sends it: same widget states and fragment,
    its own cache's hashes (the recorded ones name messages this client never received)."""
    message = BackMsg.FromString(stroke.message)
    state = message.rerun_script
    state.context_info.url = page_url.rstrip("/") + "/"
    del state.cached_message_hashes[:]
    state.cached_message_hashes.extend(sorted(cached_hashes))
    return message.SerializeToString()


def stale_ids(recording: Recording, declared: dict[str, str], fragment_id: str) -> list[str]:
    """Where the recording disagrees with a server's page: `declared` maps each user key to the
    widget id the server gave it (from its ForwardMsgs), `fragment_id` is the drawing's."""
    problems = []
    if fragment_id and fragment_id != recording.fragment_id:
        problems.append(f"drawing fragment {fragment_id}, recorded {recording.fragment_id}")
    recorded = {user_key(i): i for i in recording.widget_ids() if user_key(i)}
    for key, widget_id in sorted(declared.items()):
        if key in recorded and recorded[key] != widget_id:
            problems.append(f"widget {key!r} is {widget_id} on the server, {recorded[key]} in the recording")
    if declared.get(CANVAS_KEY, recording.canvas_id) != recording.canvas_id:
        problems.append(f"canvas {declared[CANVAS_KEY]}, recorded {recording.canvas_id}")
    return problems


def _wait_until_idle(page, timeout: float = 30.0) -> None:
    """Until the page's script run is over (Streamlit marks it on the app's root)."""
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stApp']\")?.dataset.testScriptState === 'notRunning'",
        timeout=timeout * 1000,
    )


def record(playwright, url: str, view: str, digits=(7, 1, 0, 4, 2, 7, 2, 0), warmup: int = 1) -> Recording:
    """Open `view` of the app at `url` in Chromium, draw `warmup` + len(digits) digits, and keep
    the BackMsg of each stroke after the warm-up ones. Two kinds of stroke, as a student makes
    them: the first on a cleared canvas (the widgets shown with an answer are unmounted then, so
    it carries fewer states), and, every other digit, one more on top of an answered drawing (a
    retrace, a little off the first: it carries every mounted widget and a two-path Fabric JSON).
    Clear between digits."""
    sent: list[bytes] = []

    def on_websocket(websocket):
        if websocket.url.endswith("/_stcore/stream"):
            websocket.on("framesent", lambda payload: isinstance(payload, bytes) and sent.append(payload))

    query = VIEWS.get(view, "")
    with chromium(playwright) as context:
        context.on("page", lambda page: page.on("websocket", on_websocket))
        page = open_page(context, url.rstrip("/") + "/" + (f"?{query}" if query else ""))
        _wait_until_idle(page)
        strokes = []
        for n, digit in enumerate([digits[0]] * warmup + list(digits)):
            left, top, size = PLACES[n % len(PLACES)]
            retraces = [(left, top)] + ([(left + 0.03, top + 0.02)] if n % 2 else [])
            for x, y in retraces:
                before = len(sent)
                draw_digit(page, digit, x, y, size)
                stroke = _next_stroke(page, sent, before)
                _wait_until_idle(page)
                page.wait_for_timeout(300)  # the page's components settle (a run may mount widgets late)
                if n >= warmup:
                    strokes.append(Stroke(stroke, digit))
            clear_canvas(page)
            _wait_until_idle(page)
            page.wait_for_timeout(300)
        if page.errors:
            raise RuntimeError(f"the page raised while recording: {page.errors}")
    first = BackMsg.FromString(strokes[0].message).rerun_script
    canvas_id = next(w.id for w in first.widget_states.widgets if user_key(w.id) == CANVAS_KEY)
    return Recording(view, canvas_id, first.fragment_id, strokes)


def _next_stroke(page, sent: list, since: int, timeout: float = 15.0) -> bytes:
    """The first BackMsg after index `since` that carries ink (the canvas waits ~200 ms after pen-up).
    Waits through Playwright: its events (the frames) are only delivered while it is called."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for payload in sent[since:]:
            message = BackMsg.FromString(payload)
            if message.WhichOneof("type") == "rerun_script" and canvas_has_ink(message):
                return payload
        page.wait_for_timeout(50)
    raise RuntimeError("the page sent no stroke within 15 s of the mouse drawing one")
