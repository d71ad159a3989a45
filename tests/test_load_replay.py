"""The load test's replay (harness/recorded.py): a stroke recorded from Chromium is decoded,
rewritten for another client and still says what the browser said; strokes recorded from the
page as it is now are answered when replayed."""

import asyncio
import base64
import concurrent.futures
import io
import json
import re

import pytest
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from harness.recorded import CANVAS_KEY, VIEWS, Recording, record, replayed, stale_ids, user_key
from tests.support import REPO

SAVED = {view: REPO / "bench" / "recorded" / f"{view}.json" for view in VIEWS}


@pytest.fixture(params=list(VIEWS))
def recording(request) -> Recording:
    return Recording.load(SAVED[request.param])


def _canvas_state(message: BackMsg) -> dict:
    (state,) = [w for w in message.rerun_script.widget_states.widgets if user_key(w.id) == CANVAS_KEY]
    return json.loads(state.json_value)


def test_a_recorded_stroke_carries_the_whole_page_and_the_canvas_as_chromium_sent_it(recording):
    states = recording.stroke_states()
    assert len(states) >= 8
    assert all(len(s) > 1 for s in states), "a rerun from the page carries every mounted widget, not the canvas alone"
    for stroke in recording.strokes:
        message = BackMsg.FromString(stroke.message)
        assert message.rerun_script.fragment_id == recording.fragment_id
        assert message.rerun_script.query_string == VIEWS[recording.view]
        drawing = _canvas_state(message)["drawing"]
        assert drawing["raw"]["objects"] and all(o["type"].lower() == "path" for o in drawing["raw"]["objects"])
        header, png = drawing["data"].split(",", 1)
        assert header == "data:image/png;base64"
        assert Image.open(io.BytesIO(base64.b64decode(png))).size == (280, 280)


def test_the_detailed_view_sends_more_widgets_once_an_answer_is_shown():
    counts = {len(s) for s in Recording.load(SAVED["detailed"]).stroke_states()}
    assert len(counts) > 1 and max(counts) >= 15, counts


def test_a_recording_round_trips_through_its_file(recording, tmp_path):
    recording.save(tmp_path / "again.json")
    again = Recording.load(tmp_path / "again.json")
    assert again == recording


def test_replaying_rewrites_only_what_belongs_to_the_client(recording):
    stroke = recording.strokes[3]
    sent = BackMsg.FromString(replayed(stroke, "http://127.0.0.1:9999", ["abc", "123"]))
    original = BackMsg.FromString(stroke.message)
    assert sent.rerun_script.context_info.url == "http://127.0.0.1:9999/"
    assert list(sent.rerun_script.cached_message_hashes) == ["123", "abc"]
    assert sent.rerun_script.widget_states == original.rerun_script.widget_states
    assert sent.rerun_script.fragment_id == original.rerun_script.fragment_id
    assert sent.rerun_script.page_script_hash == original.rerun_script.page_script_hash


def test_a_widget_whose_id_changed_makes_the_recording_stale(recording):
    declared = {user_key(i): i for i in recording.widget_ids() if user_key(i)}
    assert stale_ids(recording, declared, recording.fragment_id) == []
    declared[CANVAS_KEY] = "$$ID-0000-canvas"
    problems = stale_ids(recording, declared, "another fragment")
    assert any("canvas" in p for p in problems) and any("fragment" in p for p in problems)


def _declared(messages: list[ForwardMsg]) -> tuple[dict, str]:
    """The widget ids a server's page gave (user key -> id) and the drawing fragment's id."""
    declared, fragment = {}, ""
    for forward in messages:
        if forward.WhichOneof("type") != "delta" or forward.delta.WhichOneof("type") != "new_element":
            continue
        element = getattr(forward.delta.new_element, forward.delta.new_element.WhichOneof("type"))
        if "id" in element.DESCRIPTOR.fields_by_name and user_key(element.id):
            declared[user_key(element.id)] = element.id
            fragment = forward.delta.fragment_id if user_key(element.id) == CANVAS_KEY else fragment
    return declared, fragment


async def _replayed_on(url: str, recording: Recording) -> tuple[list[str], list[str]]:
    """Open the page over Streamlit's websocket and replay the first stroke (unless the blank
    page already disagrees with the recording: a stale fragment id is never answered); what
    disagrees, and the words the page then showed (markdown, and the readout its pieces carry)."""
    import websockets

    async def exchange(websocket, payload: bytes) -> list[ForwardMsg]:
        await websocket.send(payload)
        received = []
        while not received or received[-1].WhichOneof("type") != "script_finished":
            received.append(ForwardMsg.FromString(await asyncio.wait_for(websocket.recv(), timeout=60)))
        return received

    first = BackMsg()
    first.rerun_script.query_string = VIEWS[recording.view]
    async with websockets.connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"]) as ws:
        messages = await exchange(ws, first.SerializeToString())
        problems = stale_ids(recording, *_declared(messages))
        if problems:
            return problems, []
        messages += await exchange(ws, replayed(recording.strokes[0], url))
    elements = [f.delta.new_element for f in messages]
    shown = [element.markdown.body for element in elements if element.WhichOneof("type") == "markdown"]
    # And the readout under the canvas, which rides in the stroke's piece (ui/server_reading.py).
    pieces = [element.bidi_component for element in elements if element.WhichOneof("type") == "bidi_component"]
    readouts = [(json.loads(piece.json or "null") or {}).get("readout") for piece in pieces]
    shown += [re.sub(r"<[^>]+>", "", readout) for readout in readouts if readout]
    return stale_ids(recording, *_declared(messages)), shown


@pytest.mark.slow
@pytest.mark.browser
def test_strokes_recorded_from_chromium_now_are_answered_when_replayed(app_url, playwright):
    # Recorded against this very page, as bench/load_test.py does at its start (the committed
    # recordings above only serve the decoding tests: any change to the page's widgets changes ids).
    for view in VIEWS:
        recording = record(playwright, app_url, view, digits=(7, 1), warmup=1)
        # Playwright's sync API holds this thread's event loop: the replay gets a thread of its own.
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            problems, shown = thread.submit(asyncio.run, _replayed_on(app_url, recording)).result()
        assert problems == [], problems
        said = re.compile(rf"The network reads (\*\*)?{recording.strokes[0].digit}\b")
        assert any(said.search(text) for text in shown), shown
