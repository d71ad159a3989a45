"""What one stroke costs the hall's Wi-Fi, with and without Streamlit's websocket compression
(`server.enableWebsocketCompression`, permessage-deflate; off by default): Chromium draws digits
on the real page, through a byte-counting TCP proxy in front of one Streamlit process, so the
figures are what crosses the wire (websocket frames as sent, compressed or not, and every
picture the rerun makes the page fetch), not the decoded payloads Chromium's log reports. Also
the server's CPU per stroke, which compressing adds to.

    python bench/stroke_bytes.py [--strokes 12] [--view detailed|lecture]

Each stroke: Clear, then a digit drawn with the mouse, then the wait until the server's run is
over (the app's script state back to notRunning) and a moment for its pictures; the page load and
a first stroke are not counted. The issue's starting point (issue 22): a detailed-view stroke sent
15 KB up and received 64 KB.
"""

import argparse
import asyncio
import contextlib
import threading
import time

from common import REPO  # noqa: F401 - puts the repository on sys.path
from load_test import cpu_seconds
from playwright.sync_api import expect, sync_playwright

from harness.browser import chromium, clear_canvas, draw_digit, free_port, open_page, running_app
from harness.recorded import VIEWS


class CountingProxy:
    """127.0.0.1:port -> target, on a thread of its own; counts the bytes each way."""

    def __init__(self, target_port: int):
        self.target_port, self.port = target_port, free_port()
        self.up = self.down = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self._ready.set()
        with contextlib.suppress(RuntimeError):
            self._loop.run_forever()
        server.close()

    async def _pipe(self, reader, writer, upward: bool):
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(65536):
                if upward:
                    self.up += len(chunk)
                else:
                    self.down += len(chunk)
                writer.write(chunk)
                await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()

    async def _client(self, reader, writer):
        try:
            target_reader, target_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, target_writer, True), self._pipe(target_reader, writer, False))

    def __enter__(self):
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


def answered(page) -> None:
    """The server's run for the stroke is over and what it referred to has had time to arrive."""
    page.wait_for_timeout(400)  # the canvas sends about 200 ms after the pen lifts
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
    page.wait_for_timeout(400)


def measure(view: str, strokes: int, compressed: bool) -> dict:
    env = {"STREAMLIT_SERVER_ENABLE_WEBSOCKET_COMPRESSION": "true" if compressed else "false"}
    query = VIEWS[view]
    with running_app(env) as url, CountingProxy(int(url.rsplit(":", 1)[1])) as proxy, sync_playwright() as pw:
        with chromium(pw, width=1280, height=720 if view == "lecture" else 900) as context:
            page = open_page(context, f"http://127.0.0.1:{proxy.port}/" + (f"?{query}" if query else ""))
            draw_digit(page, 7)  # the first stroke fetches what every later one reuses
            answered(page)
            up, down, cpu = proxy.up, proxy.down, cpu_seconds(url.pid)
            for number in range(strokes):
                clear_canvas(page)
                answered(page)
                draw_digit(page, (0, 1, 2, 4)[number % 4])
                answered(page)
            return {
                "up": (proxy.up - up) / strokes,
                "down": (proxy.down - down) / strokes,
                "cpu": (cpu_seconds(url.pid) - cpu) / strokes,
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=12)
    parser.add_argument("--view", choices=("detailed", "lecture"), nargs="+", default=["detailed", "lecture"])
    args = parser.parse_args()
    print(f"One stroke (Clear, then a digit; {args.strokes} of them), one Streamlit process, through a counting proxy:")
    for view in args.view:
        for compressed in (False, True):
            started = time.monotonic()
            figures = measure(view, args.strokes, compressed)
            print(
                f"  {view:8s} websocket compression {'on ' if compressed else 'off'}: "
                f"up {figures['up'] / 1000:.1f} KB, down {figures['down'] / 1000:.1f} KB a stroke, "
                f"server CPU {figures['cpu'] * 1000:.0f} ms a stroke (Clear's run included) "
                f"[{time.monotonic() - started:.0f} s]"
            )


if __name__ == "__main__":
    main()
