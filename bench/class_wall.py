"""A class tries the wall: N students (separate browser sessions in Debian's Chromium) each draw a
digit and send it while the lecturer's wall is open; prints how many sends were taken, how long
each took to show on the wall, and what the wall says at the end.

    python bench/class_wall.py [--students 30] [--replicas 0|2] [--screenshot PATH]

--replicas 2 runs the class through deploy/local.sh (2 server processes behind nginx, one
SQLite database they share); 0 (the default) runs one `streamlit run` process.
"""

import argparse
import contextlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from common import REPO
from playwright.sync_api import expect, sync_playwright

from harness.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DIGIT_STROKES,
    SEND,
    draw_digit,
    free_port,
    running_app,
    send_outcome,
)


@contextlib.contextmanager
def replicas(count: int, env: dict):
    port = free_port()
    process = subprocess.Popen(
        ["bash", "deploy/local.sh"],
        cwd=REPO,
        env=dict(os.environ, REPLICAS=str(count), PORT=str(port), **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--replicas", type=int, default=0)
    parser.add_argument("--screenshot", default=str(REPO / "artifacts" / "class-wall-30.png"))
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="wall-bench-")
    env = {"DATABASE_URL": f"sqlite:///{folder}/wall.sqlite", "DIGIT_LENS_PUBLIC_URL": "http://hall.example/"}
    server = replicas(args.replicas, env) if args.replicas else running_app(env)
    rng = random.Random(0)
    digits = sorted(DIGIT_STROKES)
    with server as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        wall = browser.new_page(viewport={"width": 1280, "height": 720})
        wall.goto(f"{url}/?view=wall")
        wall.get_by_text("Join:").wait_for(timeout=60_000)
        taken, refused, to_wall, started = 0, 0, [], time.monotonic()
        for student in range(args.students):
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            page.goto(url)
            page.locator("[data-testid='stBidiComponentIsolated'] canvas.upper-canvas").wait_for(timeout=60_000)
            digit = digits[student % len(digits)]
            draw_digit(
                page, digit, left=rng.uniform(0.05, 0.3), top=rng.uniform(0.05, 0.3), size=rng.uniform(0.45, 0.7)
            )
            page.get_by_role("button", name=SEND).click(timeout=30_000)
            outcome = send_outcome(page, "ok").or_(send_outcome(page, "refused"))
            outcome.first.wait_for(timeout=30_000)
            sent_at = time.monotonic()
            text = outcome.first.inner_text()
            if not text.startswith("Sent"):
                refused += 1
                print(f"student {student}: refused: {text}")
                continue
            taken += 1
            drawing_id = int(re.search(r"#(\d+)", text).group(1))
            wall.locator(f'.wall-tile[href="?drawing={drawing_id}"]').wait_for(timeout=30_000)
            to_wall.append(time.monotonic() - sent_at)
            page.context.close()
        expect(wall.get_by_text(f"{taken} drawings,")).to_be_visible(timeout=10_000)
        summary = wall.get_by_text(re.compile(r"^\d+ drawings, \d+ read wrong")).inner_text()
        accuracy = (
            wall.get_by_test_id("stMainBlockContainer").get_by_test_id("stMetric").first.inner_text().replace("\n", " ")
        )
        wall.screenshot(path=args.screenshot)
        browser.close()
    where = f"{args.replicas} replicas behind nginx" if args.replicas else "one process"
    print(
        f"{args.students} students, {where}: "
        f"{taken} sends taken, {refused} refused, in {time.monotonic() - started:.0f} s"
    )
    if to_wall:
        print(
            f"send to seen on the wall: median {statistics.median(to_wall):.1f} s, max {max(to_wall):.1f} s "
            f"(the wall refreshes every 3 s)"
        )
    print(f"the wall says: {summary}; {accuracy}")
    print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    sys.exit(main())
