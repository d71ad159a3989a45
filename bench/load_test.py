"""A lecture hall at once: N clients (default 20) speak Streamlit's own websocket protocol to one
server, as the browser does, each drawing digits (real MNIST test digits placed at random on the
canvas) for a fixed time; one of them presses Retrain part-way through. Counts errors; reports
throughput, stroke-to-prediction latency (p50/p95), and the server's memory per session.

    python bench/load_test.py [--users 20] [--seconds 60] [--retrain-at 15]

Why not 20 browser pages: on this 2-core machine 20 Chromium renderers take the CPU from the
server, and the test then measures Chromium (tried: 18 predictions in 60 s, all of them waiting
on the browsers). The per-stroke browser figure is in bench/browser_latency.py.

All traffic stays on 127.0.0.1; every loop is bounded in time. The retrain writes to a copy of
the shipped model, never to assets/. Needs MNIST (MNIST_NPZ), for the digits and the retrain.
"""

import argparse
import asyncio
import base64
import io
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import websockets
from common import REPO, mnist_path
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from cnn import DEFAULT_MODEL_PATH
from cnn.canvas_sim import random_drawing
from tests.browser import running_app


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def as_canvas_state(drawing: np.ndarray) -> str:
    """What the canvas component sends: its Fabric JSON and a PNG data URL of the picture."""
    png = io.BytesIO()
    Image.fromarray(drawing).save(png, "PNG")
    url = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
    return json.dumps({"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": url}})


class Session:
    """One visitor's connection; `run` sends widget states and reads the page until it is drawn."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.canvas_id = self.fragment_id = self.retrain_id = None

    async def run(self, widgets=(), fragment_id="") -> tuple[list[ForwardMsg], float | None]:
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.fragment_id = fragment_id
        for widget_id, field, value in widgets:
            state = message.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            setattr(state, field, value)
        started = time.perf_counter()
        await self.websocket.send(message.SerializeToString())
        received, prediction_after = [], None
        while True:
            forward = ForwardMsg.FromString(await asyncio.wait_for(self.websocket.recv(), timeout=60))
            received.append(forward)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                which = element.WhichOneof("type")
                if which == "metric" and element.metric.label == "Prediction" and prediction_after is None:
                    prediction_after = time.perf_counter() - started
                elif which == "bidi_component":
                    self.canvas_id, self.fragment_id = element.bidi_component.id, forward.delta.fragment_id
                elif which == "button" and element.button.label == "Retrain":
                    self.retrain_id = element.button.id
                elif which == "exception":
                    raise RuntimeError(f"the page raised: {element.exception.message}")
            if kind == "script_finished":
                return received, prediction_after


def prediction_of(messages: list[ForwardMsg]) -> str | None:
    """The digit the page shows after "Prediction" ("7  (99%)" -> "7")."""
    for forward in messages:
        element = forward.delta.new_element
        if forward.WhichOneof("type") == "delta" and element.WhichOneof("type") == "metric":
            if element.metric.label == "Prediction":
                return element.metric.body.split()[0]
    return None


def texts(messages: list[ForwardMsg]) -> str:
    return " ".join(str(m.delta.new_element) for m in messages if m.WhichOneof("type") == "delta")


async def visitor(url, index, deadline, digits, labels, tally, retrain):
    rng = np.random.default_rng(index + 1)
    try:
        async with websockets.connect(
            url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], max_size=None
        ) as websocket:
            session = Session(websocket)
            await session.run()  # the first visit: the whole page
            while time.monotonic() < deadline:
                if index == 0 and retrain.get("at") and time.monotonic() > retrain["at"] and "pressed" not in retrain:
                    retrain["pressed"] = time.monotonic()
                    page, _ = await session.run([(session.retrain_id, "trigger_value", True)])
                    refused = "already running" in texts(page)
                    retrain["refused"] = refused
                pick = int(rng.integers(len(labels)))
                state = as_canvas_state(random_drawing(digits[pick], rng))
                page, latency = await session.run([(session.canvas_id, "json_value", state)], session.fragment_id)
                if latency is None:
                    tally["errors"].append(f"visitor {index}: no prediction shown")
                    continue
                tally["latencies"].append(latency)
                shown = prediction_of(page)
                tally["right" if shown == str(labels[pick]) else "wrong"] += 1
                await asyncio.sleep(rng.uniform(0.2, 0.6))  # a person takes a moment between strokes
    except Exception as error:  # noqa: BLE001 - every failure is counted and shown
        tally["errors"].append(f"visitor {index}: {type(error).__name__}: {str(error)[:200]}")


async def run(users: int, seconds: float, retrain_after: float | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="load-test-"))
    model = workdir / "model.keras"
    shutil.copy(DEFAULT_MODEL_PATH, model)
    shutil.copy(DEFAULT_MODEL_PATH.with_suffix(".json"), model.with_suffix(".json"))
    data = np.load(mnist_path())
    digits, labels = data["x_test"][:2000], data["y_test"][:2000]
    env = {"CNN_MODEL_PATH": str(model), "MNIST_NPZ": str(mnist_path())}
    tally = {"latencies": [], "errors": [], "right": 0, "wrong": 0}
    retrain = {}
    with running_app(env) as url:
        await visitor(url, -1, time.monotonic() + 1, digits, labels, {**tally, "latencies": []}, {})  # warm
        one_session = rss_mib(url.pid)
        model_before = model.stat().st_mtime_ns
        started = time.monotonic()
        if retrain_after is not None:
            retrain["at"] = started + retrain_after
        await asyncio.gather(
            *(visitor(url, i, started + seconds, digits, labels, tally, retrain) for i in range(users))
        )
        elapsed = time.monotonic() - started
        all_sessions = rss_mib(url.pid)
        if "pressed" in retrain and not retrain["refused"]:
            # The drawing is over; give the retrain (bounded) time to finish, then check it landed.
            limit = time.monotonic() + 300
            while model.stat().st_mtime_ns == model_before and time.monotonic() < limit:
                await asyncio.sleep(1)
            retrain["saved_after"] = time.monotonic() - retrain["pressed"]
        retrained = model.stat().st_mtime_ns != model_before
    shutil.rmtree(workdir, ignore_errors=True)

    latencies = sorted(tally["latencies"])
    print(f"{users} websocket sessions drawing for {seconds:.0f} s against one server (2 cores)")
    print(
        f"  predictions             {len(latencies)} ({len(latencies) / elapsed:.1f}/s), right digit "
        f"{tally['right']}, other digit {tally['wrong']}"
    )
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(
            f"  stroke to prediction    p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            "(server side: add the canvas' ~200 ms wait and the browser's drawing)"
        )
    print(
        f"  server memory           {one_session:.0f} MiB with one session, {all_sessions:.0f} MiB with "
        f"{users + 1}: {(all_sessions - one_session) / users:.1f} MiB per extra session"
    )
    if "pressed" in retrain:
        print(
            f"  retrain in the middle   pressed at {retrain['pressed'] - started:.0f} s, "
            f"{'refused' if retrain['refused'] else 'started'}; new model saved: {retrained}, "
            f"{retrain.get('saved_after', float('nan')):.0f} s after the press "
            f"(the default recipe alone takes ~25 s)"
        )
    print(f"  errors                  {len(tally['errors'])}")
    for error in tally["errors"][:20]:
        print(f"    {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--retrain-at", type=float, default=15, help="seconds in; negative: no retrain")
    args = parser.parse_args()
    import os

    os.chdir(REPO)
    asyncio.run(run(args.users, args.seconds, args.retrain_at if args.retrain_at >= 0 else None))


if __name__ == "__main__":
    main()
