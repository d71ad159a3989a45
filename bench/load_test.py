"""A lecture hall at once: N clients (default 20) speak Streamlit's own websocket protocol to one
server, as the browser does, each drawing digits for a fixed time; one of them presses Retrain
part-way through. Each stroke is what a real Chromium sent on a stroke of this page: before the
load, the page is opened in Chromium, digits are drawn with the mouse and each stroke's BackMsg
is recorded (harness/recorded.py), with every mounted widget's state and the canvas's whole
Fabric JSON and PNG; the clients replay those, each picking which at random. Like a browser,
each client keeps Streamlit's message cache (and says which messages it holds) and fetches every
picture and download a rerun references before it counts the stroke as shown. Counts errors;
reports throughput, stroke-to-prediction latency (p50/p95), each tab's first page load, the
server's CPU time per stroke and its memory per session.

    python bench/load_test.py [--users 20] [--seconds 60] [--retrain-at 15] [--think 0.2 0.6]
                              [--view detailed|lecture|floor] [--replicas N] [--ramp SECONDS]
                              [--rolling-restart-at SECONDS] [--recorded FILE | --synthetic]

The recording is made against the server under test at the start (not counted): widget ids are
hashes of keys and the mounted widgets change with the code, so a payload recorded against other
code would measure another page. --recorded FILE replays a saved one (bench/record_session.py)
instead, refused if its widget ids are not the server's. --synthetic sends what this bench sent
before it replayed: the canvas widget alone, with a one-object Fabric JSON and the PNG of an MNIST
test digit placed at random (cheaper than a browser's stroke; kept for comparison).

--ramp S: students arrive one after another over S seconds (each opening the page), and only the
`--seconds` after that are counted; without it all arrive at once. A think time longer than the
test (`--think 1000 1000`) gives idle sessions: one stroke each, then nothing.

--replicas N serves the page as deploy/local.sh does (N processes behind nginx) and reports
their CPU and memory added up.

--rolling-restart-at S (with --replicas): S seconds into the counted time, SIGHUP to local.sh,
which restarts the replicas one at a time. Each client then does what Streamlit's page does when
its websocket closes: opens a new one (offering its session id; a restarted replica has a new
session for it) and reruns the whole page with the widget states it holds, its drawing among
them. Reports the reconnects, the time from a close to the page's answer drawn again (per
reconnect and per client), the strokes' p50/p95 during the restart and outside it, and the
errors. The server's CPU is summed over the replica processes alive at each moment.

Why not 20 browser pages: on this 2-core machine 20 Chromium renderers take the CPU from the
server, and the test then measures Chromium (tried: 18 predictions in 60 s, all of them waiting
on the browsers). The per-stroke browser figure is in bench/browser_latency.py.

All traffic stays on 127.0.0.1; every loop is bounded in time. The retrain writes to a copy of
the shipped model, never to assets/. Needs MNIST (MNIST_NPZ), for the digits and the retrain.
"""

import argparse
import asyncio
import base64
import collections
import contextlib
import io
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import websockets
from common import REPO, mnist_path
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from cnn import DEFAULT_MODEL_PATH
from harness.browser import AppUrl, free_port, running_app
from harness.canvas_sim import random_drawing
from harness.recorded import VIEWS, Recording, record, replayed, stale_ids, user_key

FLOOR_PAGE = "bench/floor/app.py"  # --view floor: the canvas, one forward pass, one line (Streamlit's floor)
# The floor page's line, and ui/prediction.py's for an input other than a drawing (a drawing's
# line rides in the stroke's piece, ui/server_reading.py, and is read from there).
READOUT = re.compile(r"The network reads \*\*(\d)\*\*")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far, with that of its ended children (a
    retrain runs in a child process: its CPU counts once it has ended)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")


async def until_quiet(pids_now, busy_below: float = 0.05, for_seconds: float = 2.0, limit: float = 120.0) -> float:
    """Waits until the server's processes use less than `busy_below` of a core for `for_seconds`
    running, and returns how long that took. A fresh server works in the background after its
    first page (the unit examples and the digit map, computed once per model version and then
    read from beside the model); a lecture's server did that long before the hall arrived, so it
    must not be charged to the strokes counted here."""
    began = time.monotonic()

    def used() -> float:
        total = 0.0
        for pid in pids_now():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                total += cpu_seconds(pid)
        return total

    quiet_since, before = None, used()
    while time.monotonic() - began < limit:
        await asyncio.sleep(0.5)
        now = used()
        if now - before < busy_below * 0.5:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= for_seconds:
                break
        else:
            quiet_since = None
        before = now
    return time.monotonic() - began


def rss_mib(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:  # ended (a replica restarted)
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def streamlit_children(parent: int) -> list[int]:
    """The Streamlit processes `parent` (deploy/local.sh) runs now: its replicas."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == parent and b"streamlit" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
    return sorted(found)


class ServerCpu:
    """CPU seconds the server's processes use from `start()` on, while they come and go (a
    rolling restart replaces every replica): sampled every half second over the processes alive
    then; one born later counts from zero (its start-up is part of the cost). What a process
    uses between its last sample and its end (under half a second) is missed."""

    def __init__(self, pids_now):
        self.pids_now = pids_now
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def sample(self, born_now: bool = False) -> None:
        for pid in self.pids_now():
            try:
                used = cpu_seconds(pid)
            except (FileNotFoundError, ProcessLookupError):
                continue
            self.base.setdefault(pid, used if born_now else 0.0)
            self.last[pid] = used

    def start(self) -> None:
        self.base, self.last = {}, {}
        self.sample(born_now=True)

    async def follow(self, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(0.5)
            self.sample()

    def used(self) -> float:
        self.sample()
        return sum(self.last[pid] - self.base[pid] for pid in self.last)

    def used_by_newcomers(self) -> float:
        """The part of used() in processes started after start() (replicas a restart started)."""
        return sum(self.last[pid] for pid in self.last if self.base[pid] == 0.0)


def as_canvas_state(drawing: np.ndarray) -> str:
    """What the canvas component sends: its Fabric JSON and a PNG data URL of the picture."""
    png = io.BytesIO()
    Image.fromarray(drawing).save(png, "PNG")
    url = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
    return json.dumps({"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": url}})


class Session:
    """One visitor's connection; `run` sends widget states and reads the page until it is drawn.
    Keeps Streamlit's message cache as the browser's page does: the large elements it has
    received, by hash, named in each rerun so the server sends a reference instead, and dropped
    after `max_cached_message_age` runs without use."""

    def __init__(self, websocket, base_url: str, query: str = "", cookie: str = ""):
        self.websocket, self.base_url, self.query, self.cookie = websocket, base_url, query, cookie
        self.canvas_id = self.fragment_id = self.retrain_id = None
        self.session_id = ""  # the server's name for this session (its new_session message)
        self.last_rerun: bytes | None = None  # the widget states the page holds: what a reconnect re-sends
        self.media_errors = 0
        self.media_failures: list[tuple[float, str]] = []  # (when, HTTP status or error): what went wrong
        self.declared: dict[str, str] = {}  # user key -> widget id, as the server's page gives them
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash -> (message, run it was last used in)
        self.runs, self.max_cache_age = 0, 2
        self.references = 0  # messages the server sent as a reference to this client's cache

    async def run(self, widgets=(), fragment_id="") -> tuple[list[ForwardMsg], float | None]:
        """Send a rerun with these (widget id, field, value) states."""
        message = BackMsg()
        message.rerun_script.query_string = self.query
        message.rerun_script.fragment_id = fragment_id
        message.rerun_script.cached_message_hashes.extend(sorted(self.cache))
        for widget_id, field, value in widgets:
            state = message.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            setattr(state, field, value)
        return await self.send(message.SerializeToString())

    async def send(self, payload: bytes) -> tuple[list[ForwardMsg], float | None]:
        """Send one rerun (a serialized BackMsg); returns the messages and the seconds until the
        answer and every picture and download it references had arrived (None: no answer shown)."""
        started = time.perf_counter()
        self.last_rerun = payload
        await self.websocket.send(payload)
        received, answered, media = [], False, []
        while True:
            forward = ForwardMsg.FromString(await asyncio.wait_for(self.websocket.recv(), timeout=60))
            forward = self._through_cache(forward)
            received.append(forward)
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                self.max_cache_age = forward.new_session.config.max_cached_message_age or self.max_cache_age
                self.session_id = forward.new_session.initialize.session_id or self.session_id
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                which = element.WhichOneof("type")
                self._declare(getattr(element, which))
                if which == "metric" and element.metric.label == "Prediction":
                    answered = True
                elif which == "markdown" and READOUT.search(element.markdown.body):
                    answered = True
                elif which == "bidi_component":
                    component = element.bidi_component
                    if component.component_name.startswith("streamlit-drawable-canvas"):
                        self.canvas_id, self.fragment_id = component.id, forward.delta.fragment_id
                    elif component.component_name == "digit_lens.lecture_view" and '"digit"' in component.json:
                        answered = True
                    elif component.component_name == "digit_lens.canvas_reading" and '"server": [' in component.json:
                        answered = True  # the detailed view: the page draws the server's answer itself
                elif which == "imgs":
                    media += [image.url for image in element.imgs.imgs]
                elif which == "download_button" and element.download_button.url:
                    media.append(element.download_button.url)
                elif which == "button" and element.button.label == "Retrain":
                    self.retrain_id = element.button.id
                elif which == "exception":
                    raise RuntimeError(f"the page raised: {element.exception.message}")
            if kind == "script_finished":
                self._age_cache()
                await asyncio.gather(*(asyncio.to_thread(self._fetch, url) for url in media))
                return received, (time.perf_counter() - started) if answered else None

    def cached_hashes(self) -> list[str]:
        return sorted(self.cache)

    @classmethod
    async def open(cls, url: str, query: str = "") -> "Session":
        """A browser's first visit: the page request (which also gives it the proxy's sticky
        cookie), the websocket, and the whole first page drawn."""
        cookie = await asyncio.to_thread(_first_visit, url)
        websocket, cookie = await _connect(url, cookie)
        session = cls(websocket, url, query, cookie)
        await session.run()
        return session

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close()

    async def closed_within(self, seconds: float) -> bool:
        """Wait `seconds` (a student thinking); True, at once, if the server closed the websocket meanwhile."""
        try:
            await asyncio.wait_for(asyncio.shield(self.websocket.wait_closed()), seconds)
        except TimeoutError:
            return False
        return True

    async def reconnect(self, give_up_at: float) -> tuple[float, float | None]:
        """What Streamlit's page does when its websocket closes: a new one (retried, as the page
        retries, until `give_up_at`), offering the old session's id (the same process resumes
        it; another one, or a restarted one, starts a new session), then a rerun of the whole
        page with the widget states it holds: the drawing is in them, so the answer comes back.
        Returns the seconds until the new websocket was open, and the rerun's seconds to the
        answer (None: no drawing yet, nothing to answer)."""
        await self.close()
        delay, began = 0.2, time.perf_counter()
        while True:
            try:
                self.websocket, self.cookie = await _connect(self.base_url, self.cookie, self.session_id)
                connected = time.perf_counter() - began
                if self.last_rerun is None:
                    await self.run()
                    return connected, None
                _, latency = await self.send(_whole_page(self.last_rerun, self.cached_hashes()))
                return connected, latency
            except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
                await self.close()
                if time.monotonic() + delay > give_up_at:
                    raise
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)  # the page backs off too, up to a few seconds

    def _through_cache(self, forward: ForwardMsg) -> ForwardMsg:
        """A reference becomes the cached message it names; a cacheable message is kept."""
        if forward.WhichOneof("type") == "ref_hash":
            if forward.ref_hash not in self.cache:
                raise RuntimeError(f"the server referred to a message this client does not hold ({forward.ref_hash})")
            self.references += 1
            original = self.cache[forward.ref_hash][0]
            self.cache[forward.ref_hash] = (original, self.runs)
            return original
        if forward.metadata.cacheable and forward.hash:
            self.cache[forward.hash] = (forward, self.runs)
        return forward

    def _age_cache(self) -> None:
        self.runs += 1
        self.cache = {h: (m, used) for h, (m, used) in self.cache.items() if self.runs - used <= self.max_cache_age}

    def _declare(self, element) -> None:
        """Note a widget's id (every widget's protobuf has one; other elements may too)."""
        if "id" in element.DESCRIPTOR.fields_by_name and user_key(element.id):
            self.declared[user_key(element.id)] = element.id

    def _fetch(self, url: str) -> None:
        """What the browser does with each picture and download link of a rerun."""
        try:
            request = urllib.request.Request(self.base_url + url if url.startswith("/") else url)
            if self.cookie:  # as a browser does: behind the proxy, it is what reaches the same replica
                request.add_header("Cookie", self.cookie)
            with urllib.request.urlopen(request, timeout=30) as reply:
                reply.read()
        except urllib.error.HTTPError as error:
            self.media_errors += 1
            self.media_failures.append((time.monotonic(), f"HTTP {error.code}"))
        except OSError as error:
            self.media_errors += 1
            self.media_failures.append((time.monotonic(), type(error).__name__))


def prediction_of(messages: list[ForwardMsg]) -> str | None:
    """The digit the page shows: after "Prediction" ("7  (99%)" -> "7"), the lecture view's, or the
    server's probabilities the detailed view's stroke piece carries."""
    for forward in messages:
        element = forward.delta.new_element
        if forward.WhichOneof("type") != "delta":
            continue
        if element.WhichOneof("type") == "markdown" and READOUT.search(element.markdown.body):
            return READOUT.search(element.markdown.body).group(1)
        if element.WhichOneof("type") == "metric" and element.metric.label == "Prediction":
            return element.metric.body.split()[0]
        if element.WhichOneof("type") == "bidi_component" and element.bidi_component.component_name.endswith(
            "lecture_view"
        ):
            data = json.loads(element.bidi_component.json or "null")
            if data and "digit" in data:
                return str(data["digit"])
        if element.WhichOneof("type") == "bidi_component" and element.bidi_component.component_name.endswith(
            "canvas_reading"
        ):  # the detailed view: the page draws the server's Prediction from the piece (ui/server_reading.py)
            server = (json.loads(element.bidi_component.json or "null") or {}).get("server")
            if server:
                return str(max(range(10), key=server.__getitem__))
    return None


def texts(messages: list[ForwardMsg]) -> str:
    return " ".join(str(m.delta.new_element) for m in messages if m.WhichOneof("type") == "delta")


async def _connect(url: str, cookie: str, session_id: str = ""):
    """A websocket to the page's server, as the page opens it: the session id to resume goes
    third in the subprotocol list (Streamlit's server reads it there; the second entry is the
    XSRF token, which only matters to signed-in users). Returns it with the cookie as the
    handshake's answer leaves it (the proxy names the replica that took the websocket)."""
    protocols = ["streamlit"] + (["PLACEHOLDER_AUTH_TOKEN", session_id] if session_id else [])
    websocket = await websockets.connect(
        url.replace("http", "ws") + "/_stcore/stream",
        subprotocols=protocols,
        max_size=None,
        additional_headers={"Cookie": cookie} if cookie else None,
    )
    return websocket, _cookies_after(cookie, websocket.response.headers.get_all("Set-Cookie"))


def _cookies_after(cookie: str, set_cookies: list[str]) -> str:
    """The Cookie header a browser sends after these Set-Cookie answers."""
    jar = dict(pair.split("=", 1) for pair in cookie.split("; ") if "=" in pair)
    jar.update(header.split(";")[0].split("=", 1) for header in set_cookies if "=" in header.split(";")[0])
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def _whole_page(rerun: bytes, cached_hashes) -> bytes:
    """A stroke's rerun as the page sends it after a reconnect: the same widget states, for the
    whole page (a new session knows no fragment until the page has run once)."""
    message = BackMsg.FromString(rerun)
    message.rerun_script.fragment_id = ""
    del message.rerun_script.cached_message_hashes[:]
    message.rerun_script.cached_message_hashes.extend(cached_hashes)
    return message.SerializeToString()


@contextlib.asynccontextmanager
async def opened_page(url: str, query: str = ""):
    """A browser's first visit, the whole first page drawn; yields the Session."""
    session = await Session.open(url, query)
    try:
        yield session
    finally:
        await session.close()


async def visitor(
    url,
    index,
    deadline,
    strokes,
    tally,
    retrain,
    think=(0.2, 0.6),
    query="",
    start_at=0.0,
    count_from=0.0,
    reconnect=False,
):
    """One student: opens the page at `start_at`, then draws until `deadline`; strokes sent
    before `count_from` (the ramp) are not counted. `strokes(rng, session)` gives the next
    stroke's BackMsg (bytes) and the digit it is. With `reconnect`, a websocket the server closes
    (a replica stopped) is opened again as the page does it (Session.reconnect), and the seconds
    from the close to the page's answer drawn again are counted as lost."""
    rng = np.random.default_rng(index + 1)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    session = None

    async def recover():
        lost_from = time.perf_counter()
        connected, _ = await session.reconnect(give_up_at=time.monotonic() + 30)
        lost = time.perf_counter() - lost_from
        tally["reconnects"].append((connected, lost))
        tally["lost_by_client"][index] = tally["lost_by_client"].get(index, 0.0) + lost

    try:
        began = time.perf_counter()
        session = await Session.open(url, query)
        tally["first_loads"].append(time.perf_counter() - began)
        while time.monotonic() < deadline:
            if index == 0 and retrain.get("at") and time.monotonic() > retrain["at"] and "pressed" not in retrain:
                retrain["pressed"] = time.monotonic()
                page, _ = await session.run([(session.retrain_id, "trigger_value", True)])
                refused = "already running" in texts(page)
                retrain["refused"] = refused
            payload, label = strokes(rng, session)
            counted = time.monotonic() >= count_from
            try:
                page, latency = await session.send(payload)
            except websockets.exceptions.ConnectionClosed:
                if not reconnect:
                    raise
                await recover()  # the stroke's answer comes with the reconnect's rerun
                continue
            # A person takes a moment between strokes (never past the end: a think time
            # longer than the test leaves each student idle after one stroke).
            pause = min(rng.uniform(*think), max(0.0, deadline - time.monotonic()))
            if counted:
                if latency is None:
                    tally["errors"].append(f"visitor {index}: no prediction shown")
                else:
                    tally["latencies"].append(latency)
                    tally["answered_at"].append(time.monotonic())
                    shown = prediction_of(page)
                    tally["right" if shown == str(label) else "wrong"] += 1
                    tally["strokes"] += 1
            if await session.closed_within(pause):
                if not reconnect:
                    raise RuntimeError("the server closed the websocket")
                await recover()
        tally["references"] += session.references
        if session.media_errors:
            tally["errors"].append(f"visitor {index}: {session.media_errors} pictures or downloads failed")
            tally["media_failures"] += session.media_failures
    except Exception as error:  # noqa: BLE001 - every failure is counted and shown
        tally["errors"].append(f"visitor {index}: {type(error).__name__}: {str(error)[:200]}")
    finally:
        if session is not None:
            await session.close()


def replaying(recording: Recording, url: str):
    """Strokes as Chromium sent them: a recorded one at random, rewritten for this client."""

    def next_stroke(rng, session):
        stroke = recording.strokes[int(rng.integers(len(recording.strokes)))]
        return replayed(stroke, url, session.cached_hashes()), stroke.digit

    return next_stroke


def synthetic(digits: np.ndarray, labels: np.ndarray):
    """What this bench sent before it replayed: the canvas widget alone, a one-object Fabric JSON."""

    def next_stroke(rng, session):
        pick = int(rng.integers(len(labels)))
        message = BackMsg()
        message.rerun_script.query_string = session.query
        message.rerun_script.fragment_id = session.fragment_id
        state = message.rerun_script.widget_states.widgets.add()
        state.id = session.canvas_id
        state.json_value = as_canvas_state(random_drawing(digits[pick], rng))
        return message.SerializeToString(), int(labels[pick])

    return next_stroke


async def checked_against_server(url: str, query: str, recording: Recording) -> None:
    """Compare the ids the server's page gives its widgets and its drawing fragment with the
    recording's, first on the blank page (a stale fragment id is not answered at all: the server
    drops the rerun without a word), then after one replayed stroke; raises if they differ."""
    async with opened_page(url, query) as session:
        problems = stale_ids(recording, session.declared, session.fragment_id or "")
        if not problems:
            _, latency = await session.send(replayed(recording.strokes[0], url, session.cached_hashes()))
            problems = stale_ids(recording, session.declared, session.fragment_id or "")
            if latency is None:
                problems.append("a replayed stroke was not answered")
    if problems:
        raise SystemExit("the recording does not match this server's page (re-record it):\n  " + "\n  ".join(problems))


def recorded_here(url: str, view: str) -> Recording:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return record(playwright, url, view)


async def newcomers(url, started, deadline, tally, query="", every=5.0):
    """Every `every` seconds after `started`, someone new opens the page during the load: the
    seconds from the page request to the whole first page drawn (every picture fetched)."""
    await asyncio.sleep(max(0.0, started - time.monotonic()) + every)
    while time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            async with opened_page(url, query):
                pass
            tally["page_loads"].append(time.perf_counter() - began)
        except Exception as error:  # noqa: BLE001 - counted like every other failure
            tally["errors"].append(f"newcomer: {type(error).__name__}: {str(error)[:200]}")
        await asyncio.sleep(every)


def _first_visit(url: str) -> str:
    """GET the page as a browser would; returns the cookies it set ("name=value; ...")."""
    with urllib.request.urlopen(url + "/", timeout=60) as reply:
        reply.read()
        return "; ".join(header.split(";")[0] for header in reply.headers.get_all("Set-Cookie") or [])


@contextlib.contextmanager
def replicated_app(env_extra: dict, replicas: int):
    """deploy/local.sh on free ports; yields the proxy's URL with `.pids`, the replicas' processes."""
    port, first = free_port(), free_port()
    env = dict(os.environ, **env_extra, REPLICAS=str(replicas), PORT=str(port), FIRST_REPLICA_PORT=str(first))
    log = tempfile.NamedTemporaryFile("w+", prefix="local-sh-", suffix=".log")
    # Its log (and nginx's: a rolling restart makes it note every websocket a stopped replica cut) goes to a file.
    process = subprocess.Popen(
        ["bash", str(REPO / "deploy" / "local.sh")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        url = AppUrl(f"http://127.0.0.1:{port}")
        url.local_sh, url.log = process, Path(log.name)
        url.pids_now = lambda: streamlit_children(process.pid)
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("deploy/local.sh did not start")
            time.sleep(0.5)
        listening = subprocess.run(["ss", "-Htlnp"], capture_output=True, text=True).stdout
        url.pids = sorted(
            {int(pid) for p in range(first, first + replicas) for pid in re.findall(rf":{p}\b.*?pid=(\d+)", listening)}
        )
        url.pid = url.pids[0]
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


async def run(
    users: int,
    seconds: float,
    retrain_after: float | None,
    think=(0.2, 0.6),
    view="detailed",
    replicas: int = 0,
    ramp: float = 0.0,
    recorded: Path | None = None,
    synthetic_strokes: bool = False,
    rolling_restart_at: float | None = None,
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="load-test-"))
    model = workdir / "model.keras"
    shutil.copy(DEFAULT_MODEL_PATH, model)
    shutil.copy(DEFAULT_MODEL_PATH.with_suffix(".json"), model.with_suffix(".json"))
    data = np.load(mnist_path())
    digits, labels = data["x_test"][:2000], data["y_test"][:2000]
    env = {"CNN_MODEL_PATH": str(model), "MNIST_NPZ": str(mnist_path())}
    tally = {"latencies": [], "errors": [], "right": 0, "wrong": 0, "strokes": 0, "references": 0}
    tally |= {"page_loads": [], "first_loads": [], "answered_at": [], "reconnects": [], "lost_by_client": {}}
    tally["media_failures"] = []
    query = VIEWS.get(view, "")  # the floor page is at /
    retrain = {}
    script = FLOOR_PAGE if view == "floor" else "app.py"
    serving = replicated_app(env, replicas) if replicas else running_app(env, script=script)
    with serving as url:
        pids_now = getattr(url, "pids_now", lambda: [url.pid])
        server_cpu = ServerCpu(pids_now)
        if synthetic_strokes:
            strokes, recording = synthetic(digits, labels), None
        else:
            began = time.monotonic()
            recording = Recording.load(recorded) if recorded else await asyncio.to_thread(recorded_here, url, view)
            recorded_in = time.monotonic() - began
            if recording.view != view:
                raise SystemExit(f"{recorded} is a recording of the {recording.view} view, not the {view} view")
            await checked_against_server(url, query, recording)
            strokes = replaying(recording, url)
        warm = {**tally, "latencies": [], "errors": [], "first_loads": [], "answered_at": []}
        await visitor(url, -1, time.monotonic() + 1, strokes, warm, {}, think, query)
        warmed_in = await until_quiet(pids_now)
        one_session = sum(rss_mib(pid) for pid in pids_now())
        model_before = model.stat().st_mtime_ns
        # Students arrive over `ramp` seconds; what is counted is the `seconds` after that.
        arrived = time.monotonic()
        started = arrived + ramp
        measured = {}

        async def sample_cpu_when_counting_starts():
            await asyncio.sleep(max(0.0, started - time.monotonic()))
            server_cpu.start()
            measured["client_before"] = time.process_time()
            await server_cpu.follow(started + seconds)

        async def rolling_restart():
            """SIGHUP to deploy/local.sh at `rolling_restart_at`; notes when its log says it is done."""
            await asyncio.sleep(max(0.0, started + rolling_restart_at - time.monotonic()))
            measured["restart_sent"] = time.monotonic()
            url.local_sh.send_signal(signal.SIGHUP)
            while "rolling restart done" not in url.log.read_text() and time.monotonic() < started + seconds + 120:
                await asyncio.sleep(0.2)
            measured["restart_done"] = time.monotonic()

        if retrain_after is not None:
            retrain["at"] = started + retrain_after
        await asyncio.gather(
            *(
                visitor(
                    url,
                    i,
                    started + seconds,
                    strokes,
                    tally,
                    retrain,
                    think,
                    query,
                    start_at=arrived + ramp * i / users,
                    count_from=started,
                    reconnect=rolling_restart_at is not None,
                )
                for i in range(users)
            ),
            newcomers(url, started, started + seconds, tally, query),
            sample_cpu_when_counting_starts(),
            *([rolling_restart()] if rolling_restart_at is not None else []),
        )
        elapsed = time.monotonic() - started
        if "restart_sent" in measured:  # what local.sh said it did (replicas stopped, started, retried)
            said = [line for line in url.log.read_text().splitlines() if line.startswith("deploy/local.sh:")]
            measured["local_sh_said"] = said[said.index(next(x for x in said if "rolling restart of" in x)) :]
        cpu_used = server_cpu.used()
        client_used = time.process_time() - measured["client_before"]
        all_sessions = sum(rss_mib(pid) for pid in pids_now())
        if "pressed" in retrain and not retrain["refused"]:
            # The drawing is over; give the retrain (bounded) time to finish, then check it landed.
            limit = time.monotonic() + 300
            while model.stat().st_mtime_ns == model_before and time.monotonic() < limit:
                await asyncio.sleep(1)
            retrain["saved_after"] = time.monotonic() - retrain["pressed"]
        retrained = model.stat().st_mtime_ns != model_before
    shutil.rmtree(workdir, ignore_errors=True)

    latencies = sorted(tally["latencies"])
    print(
        f"{users} websocket sessions ({f'arriving over {ramp:.0f} s, then ' if ramp else ''}"
        f"drawing for {seconds:.0f} s) against "
        f"{f'{replicas} replicas behind nginx' if replicas else 'one server process'} (2 cores), {view} view, "
        f"{think[0]:g}-{think[1]:g} s between strokes, every picture fetched"
    )
    if recording:
        states = [len(states) for states in recording.stroke_states()]
        sizes = [len(stroke.message) / 1000 for stroke in recording.strokes]
        print(
            f"  strokes sent            {len(recording.strokes)} recorded from Chromium "
            f"({f'file {recorded}' if recorded else f'against this server, in {recorded_in:.0f} s'}), replayed: "
            f"{min(states)}-{max(states)} widget states, {min(sizes):.1f}-{max(sizes):.1f} KB each; "
            f"{tally['references'] / max(1, tally['strokes']):.1f} elements a stroke sent as references to the cache"
        )
    else:
        print("  strokes sent            synthetic: the canvas widget alone, a one-object Fabric JSON")
    print(
        f"  before counting         the server was quiet {warmed_in:.1f} s after its first page "
        "(its background work, once per model version, not charged to the strokes)"
    )
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
    if "restart_sent" in measured:
        rolling_restart_report(tally, measured, started, users)
    if tally["strokes"]:
        restarted = (
            f"; {server_cpu.used_by_newcomers():.1f} CPU s of it in the replicas the restart started"
            if "restart_sent" in measured
            else ""
        )
        print(
            f"  server CPU per stroke   {cpu_used / tally['strokes'] * 1000:.1f} ms "
            f"({cpu_used:.1f} CPU s for {tally['strokes']} strokes; a retrain's, in its own process, once it has "
            f"ended{restarted})"
        )
    print(
        f"  load client's own CPU   {client_used:.1f} CPU s in {elapsed:.0f} s (on the same 2 cores as the server: "
        "what it takes, the server cannot have)"
    )
    if "restart_sent" in measured:  # the replicas were replaced: per-session memory means nothing here
        seen = len(server_cpu.last)
        print(f"  server memory           {all_sessions:.0f} MiB at the end ({seen} replica processes seen)")
    else:
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
    if tally["first_loads"]:
        loads = sorted(tally["first_loads"])
        p95 = loads[min(len(loads) - 1, int(0.95 * len(loads)))]
        print(
            f"  first page load per tab p50 {statistics.median(loads) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, slowest "
            f"{loads[-1] * 1000:.0f} ms ({len(loads)} tabs; request to whole page drawn)"
        )
    if tally["page_loads"]:
        loads = sorted(tally["page_loads"])
        print(
            f"  fresh page loads        {len(loads)} during the load (one every 5 s): median "
            f"{statistics.median(loads) * 1000:.0f} ms, slowest {loads[-1] * 1000:.0f} ms (request to whole page drawn)"
        )
    print(f"  errors                  {len(tally['errors'])}")
    if tally["media_failures"]:
        kinds = collections.Counter(kind for _, kind in tally["media_failures"])
        when = sorted(at - started for at, _ in tally["media_failures"])
        print(
            f"    pictures or downloads failed: {len(when)} ({', '.join(f'{n} {k}' for k, n in kinds.items())}), "
            f"between {when[0]:.1f} s and {when[-1]:.1f} s"
            + (
                f" (the restart: {measured['restart_sent'] - started:.1f}-{measured['restart_done'] - started:.1f} s)"
                if "restart_sent" in measured
                else ""
            )
        )
    for error in tally["errors"][:20]:
        print(f"    {error}")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def rolling_restart_report(tally: dict, measured: dict, started: float, users: int) -> None:
    """What the students went through while deploy/local.sh restarted the replicas one by one."""
    sent, done = measured["restart_sent"], measured["restart_done"]
    during = [
        latency for at, latency in zip(tally["answered_at"], tally["latencies"], strict=True) if sent <= at <= done
    ]
    outside = [
        latency for at, latency in zip(tally["answered_at"], tally["latencies"], strict=True) if not sent <= at <= done
    ]
    print(
        f"  rolling restart         SIGHUP at {sent - started:.0f} s, done {done - sent:.0f} s later (local.sh's log); "
        f"strokes answered meanwhile {len(during)}"
        + (f", p50 {statistics.median(during) * 1000:.0f} ms, p95 {_p95(during) * 1000:.0f} ms" if during else "")
        + (f"; outside it p95 {_p95(outside) * 1000:.0f} ms" if outside else "")
    )
    for line in measured.get("local_sh_said", []):
        print(f"    {line}")
    lost = [seconds for _, seconds in tally["reconnects"]]
    connecting = [seconds for seconds, _ in tally["reconnects"]]
    per_client = sorted(tally["lost_by_client"].values())
    if lost:
        print(
            f"  reconnects              {len(lost)} by {len(per_client)} of {users} clients (websocket closed by a "
            f"stopped replica); close to page answered again: p50 {statistics.median(lost) * 1000:.0f} ms, "
            f"p95 {_p95(lost) * 1000:.0f} ms, slowest {max(lost) * 1000:.0f} ms (the new websocket open after p50 "
            f"{statistics.median(connecting) * 1000:.0f} ms, the rest the whole page's rerun); lost per client p50 "
            f"{statistics.median(per_client) * 1000:.0f} ms, most {per_client[-1] * 1000:.0f} ms"
        )
    else:
        print("  reconnects              none (no websocket was closed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--retrain-at", type=float, default=15, help="seconds in; negative: no retrain")
    parser.add_argument("--think", type=float, nargs=2, default=(0.2, 0.6), help="seconds between strokes")
    parser.add_argument(
        "--view",
        choices=("detailed", "lecture", "floor"),
        default="detailed",
        help="floor: bench/floor/app.py, the canvas and one line; a view's CPU per stroke as a ratio to it",
    )
    parser.add_argument("--replicas", type=int, default=0, help="serve through deploy/local.sh with N processes")
    parser.add_argument("--ramp", type=float, default=0, help="students arrive over this many seconds first")
    parser.add_argument(
        "--rolling-restart-at",
        type=float,
        help="with --replicas: SIGHUP deploy/local.sh this many seconds in (its rolling restart); clients reconnect",
    )
    strokes = parser.add_mutually_exclusive_group()
    strokes.add_argument("--recorded", type=Path, help="replay this saved recording (bench/record_session.py)")
    strokes.add_argument("--synthetic", action="store_true", help="the canvas alone, one-object Fabric JSON (old)")
    args = parser.parse_args()
    recorded = args.recorded.resolve() if args.recorded else None
    os.chdir(REPO)
    retrain_at = args.retrain_at if args.retrain_at >= 0 else None
    if args.view == "floor" and (retrain_at is not None or args.replicas or args.recorded or args.synthetic):
        parser.error("--view floor is one process replaying its own recording, without a retrain (--retrain-at -1)")
    if args.rolling_restart_at is not None and not args.replicas:
        parser.error("--rolling-restart-at needs --replicas (deploy/local.sh does the restart)")
    asyncio.run(
        run(
            args.users,
            args.seconds,
            retrain_at,
            tuple(args.think),
            args.view,
            args.replicas,
            args.ramp,
            recorded,
            args.synthetic,
            args.rolling_restart_at,
        )
    )


if __name__ == "__main__":
    main()
