"""Driving the real page: start `streamlit run app.py`, open it in Debian's Chromium through
Playwright, and draw digits with the mouse like a person. Shared by the browser tests and the
benchmarks (see ../shared/BROWSER.md for why it is done this way).
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CANVAS = "[data-testid='stBidiComponentIsolated'] canvas.upper-canvas"

# Digits as strokes, in units of a 1x1 box (x right, y down); drawn scaled onto the canvas.
DIGIT_STROKES = {
    1: [[(0.45, 0.2), (0.55, 0.05), (0.55, 0.95)]],
    7: [[(0.15, 0.1), (0.85, 0.1), (0.4, 0.95)]],
    0: [
        [
            (0.5, 0.05),
            (0.2, 0.25),
            (0.15, 0.55),
            (0.3, 0.9),
            (0.6, 0.95),
            (0.85, 0.7),
            (0.85, 0.3),
            (0.65, 0.07),
            (0.5, 0.05),
        ]
    ],
    4: [[(0.6, 0.05), (0.15, 0.65), (0.9, 0.65)], [(0.65, 0.35), (0.65, 0.97)]],
    2: [[(0.15, 0.25), (0.35, 0.05), (0.7, 0.05), (0.85, 0.3), (0.15, 0.95), (0.9, 0.95)]],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppUrl(str):
    """The URL of a running app; `.pid` is its server process, for measuring its memory."""

    pid: int


@contextlib.contextmanager
def running_app(env_extra: dict | None = None, timeout: float = 90.0, script: str = "app.py"):
    """Start the app (or another page of this repository, `script`, relative to it) on a free
    port; yields its URL (with `.pid`); stops it afterwards."""
    port = free_port()
    env = dict(os.environ, **(env_extra or {}))
    if script != "app.py":  # Streamlit puts the script's own folder on sys.path, not the repository
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    log = tempfile.NamedTemporaryFile("w+", prefix="streamlit-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = AppUrl(f"http://127.0.0.1:{port}")
    url.pid = process.pid
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the app did not start:\n{log.read()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        os.unlink(log.name)


@contextlib.contextmanager
def chromium(playwright, width=1280, height=900, **options):
    """A headless Chromium context from Debian's package (Playwright never downloads one here);
    `options` go to Playwright's context (is_mobile, has_touch, ...)."""
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
    context = playwright.chromium.launch_persistent_context(
        tempfile.mkdtemp(prefix="chromium-"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": width, "height": height},
        **options,
    )
    try:
        yield context
    finally:
        context.close()


def phone(playwright, width=390, height=844):
    """A phone-sized Chromium context with a touch screen."""
    return chromium(playwright, width, height, is_mobile=True, has_touch=True, device_scale_factor=3)


def open_page(context, url: str):
    """A new tab on `url`, once the canvas is there; `page.errors` collects the page's script errors."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    page.locator(CANVAS).wait_for(timeout=60_000)
    return page


def stroke_points(box: dict, digit: int | list, left: float, top: float, size: float) -> list[list[tuple]]:
    """Page coordinates of each stroke of `digit` (or of these strokes, in units of the digit's
    box) drawn in the canvas' bounding `box`."""
    strokes = DIGIT_STROKES[digit] if isinstance(digit, int) else digit
    return [
        [(box["x"] + (left + x * size) * box["width"], box["y"] + (top + y * size) * box["height"]) for x, y in stroke]
        for stroke in strokes
    ]


def draw_digit(page, digit: int | list, left=0.2, top=0.15, size=0.65, steps=6) -> None:
    """Draw `digit` (or these strokes, as in DIGIT_STROKES) with the mouse; `left`, `top`, `size`
    are fractions of the canvas."""
    box = page.locator(CANVAS).bounding_box()
    for points in stroke_points(box, digit, left, top, size):
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=steps)
        page.mouse.up()


def clear_canvas(page) -> None:
    """Press Clear (the page's own button under the canvas); it empties the canvas at once."""
    page.get_by_role("button", name="Clear", exact=True).click()


def draw_digit_by_touch(page, digit: int, left=0.2, top=0.15, size=0.65, steps=8) -> None:
    """Draw `digit` with a finger: real touch events through the DevTools protocol
    (Playwright's page.touchscreen can only tap)."""
    cdp = page.context.new_cdp_session(page)

    def touch(kind, x=None, y=None):
        points = [] if x is None else [{"x": x, "y": y, "radiusX": 4, "radiusY": 4, "force": 1, "id": 0}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    box = page.locator(CANVAS).bounding_box()
    for points in stroke_points(box, digit, left, top, size):
        touch("touchStart", *points[0])
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            for step in range(1, steps + 1):
                touch("touchMove", x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
        touch("touchEnd")
    cdp.detach()


_INK_AT = """([x, y]) => {
  for (const host of document.querySelectorAll("[data-testid='stBidiComponentIsolated']")) {
    // The drawing's own Fabric canvas (the background has a lower-canvas of its own).
    const upper = host.shadowRoot && host.shadowRoot.querySelector("canvas.upper-canvas");
    const canvas = upper && upper.parentElement.querySelector("canvas.lower-canvas");
    if (!canvas) continue;
    // Canvas pixels per CSS pixel of the canvas' own layout (offsetWidth), not of its box on screen:
    // canvas_fit.js zooms the canvas, which changes the second and not the first.
    const scale = canvas.width / canvas.offsetWidth;
    const pixel = canvas.getContext("2d").getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data;
    return pixel[0];
  }
  return null;
}"""


def ink_at(page, x: float, y: float) -> int:
    """Red value (0 black .. 255 white ink) of the canvas at (x, y) in canvas pixels."""
    return page.evaluate(_INK_AT, [x, y])


def wait_for_ink_at(page, x: float, y: float, timeout: float = 2_000) -> None:
    """Until the finished strokes' canvas has ink at (x, y): Fabric paints a lifted stroke there a
    frame or so after the pen lifts."""
    page.wait_for_function(f"(xy) => ({_INK_AT})(xy) > 200", arg=[x, y], timeout=timeout)


def in_viewport(page, locator) -> bool:
    """Whether the element lies wholly inside the window, as scrolled now."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and (box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"])
    )


def tensorflow_loaded(pid: int) -> bool:
    """Whether TensorFlow's native library is mapped into process `pid` (Linux /proc)."""
    with open(f"/proc/{pid}/maps", encoding="utf-8") as maps:
        return any("tensorflow" in line for line in maps)


# The rules a page must pass: WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, tags=tuple(WCAG_AA)) -> list[dict]:
    """axe-core's violations on the page as it is now (rule id, impact, the nodes at fault).
    axe comes from a package (axe-playwright-python ships axe.min.js), never from the internet; it
    is injected into the main document and reads the canvas' open shadow root from there."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(tags),
    )
    return results["violations"]


def violations_report(violations: list[dict]) -> str:
    """One line per violation and an indented line per node: what a failing test prints."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}, {len(violation['nodes'])} nodes")
        lines += [f"    {node['target']}  {node['html'][:160]}" for node in violation["nodes"]]
    return "\n".join(lines)


# The Prediction as the page shows it: Streamlit's metric for a test digit, an upload or a wall
# drawing, or, for a drawing of one's own, the piece that draws the server's (ui/server_reading.py).
PREDICTION = "[data-testid='stMetric'], .sr-metric"
PREDICTION_VALUE = "[data-testid='stMetricValue'], .sr-value"


def prediction_shown(page):
    """The Prediction (label and value) in the page's main part."""
    return page.get_by_test_id("stMainBlockContainer").locator(PREDICTION).filter(has_text="Prediction")


def prediction_value(page):
    """Its value alone ("7  (99%)")."""
    return prediction_shown(page).locator(PREDICTION_VALUE)


SEND = "Send to the class wall"  # the send row's button, drawn by the page (static/js/send/row.js)


def send_outcome(page, kind: str = "ok"):
    """What became of a send, as the send row says it under Send: kind "ok" or "refused"."""
    return page.locator(f'.sr-sent[data-kind="{kind}"]')


def frames_received(context) -> list:
    """Every websocket frame the pages of `context` receive from now on, appended as they come."""
    frames = []
    context.on(
        "page",
        lambda tab: tab.on("websocket", lambda ws: ws.on("framereceived", lambda frame: frames.append(frame))),
    )
    return frames


def elements_sent(frames: list) -> list[str]:
    """Each new element in Streamlit's messages, as its kind and its words (a heading's text, a
    widget's label, a component's name)."""
    sent = []
    for frame in frames:
        message = ForwardMsg.FromString(frame) if isinstance(frame, bytes) else None
        if message is None or message.WhichOneof("type") != "delta":
            continue
        if message.delta.WhichOneof("type") != "new_element":
            continue
        kind = message.delta.new_element.WhichOneof("type")
        proto = getattr(message.delta.new_element, kind)
        words = next((getattr(proto, name) for name in ("label", "component_name", "body") if hasattr(proto, name)), "")
        sent.append(f"{kind}: {words}")
    return sent
