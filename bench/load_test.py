"""A lecture hall at once: N browser pages (default 20) draw digits against one server for a fixed
time, and one of them presses Retrain part-way through. Counts errors, and reports throughput,
mouse-up-to-prediction latency (p50/p95) and the server's memory per session.

    python bench/load_test.py [--users 20] [--seconds 60] [--retrain-at 15]

All traffic stays on 127.0.0.1; every loop is bounded in time. The retrain writes to a copy of
the shipped model, never to assets/. Needs MNIST (MNIST_NPZ) for the retrain.
"""

import argparse
import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from common import REPO, mnist_path
from playwright.async_api import async_playwright

from cnn import DEFAULT_MODEL_PATH
from tests.browser import CANVAS, CHROMIUM, CHROMIUM_ARGS, running_app, stroke_points

DIGITS = (7, 1, 0, 4, 2)
_METRIC = "[data-testid='stMainBlockContainer'] [data-testid='stMetric']"
_RECORD_MOUSE_UP = """() => { window.addEventListener("mouseup",
  () => { window.__mouseUp = performance.now(); }, {capture: true}); }"""
_SHOWN = f"""() => !!document.querySelector("{_METRIC}")"""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Tally:
    def __init__(self):
        self.latencies, self.errors, self.correct, self.wrong = [], [], 0, 0


async def draw(page, digit, left, top, size):
    box = await page.locator(CANVAS).bounding_box()
    for points in stroke_points(box, digit, left, top, size):
        await page.mouse.move(*points[0])
        await page.mouse.down()
        for point in points[1:]:
            await page.mouse.move(*point, steps=4)
        await page.mouse.up()


async def clear(page):
    old = await page.locator(CANVAS).element_handle()
    await page.get_by_role("button", name="Clear").click()
    await page.wait_for_function("canvas => !canvas.isConnected", arg=old, timeout=60_000)
    await page.locator(CANVAS).wait_for(timeout=60_000)
    await page.wait_for_timeout(600)  # the new canvas finishes loading (see tests/browser.py)


async def user(context, url, index, deadline, tally, retrain_at, retrain_state):
    page = await context.new_page()
    page.on("pageerror", lambda error: tally.errors.append(f"user {index}: page error {error}"))
    rng = random.Random(index)
    try:
        await page.goto(url, timeout=120_000)
        await page.locator(CANVAS).wait_for(timeout=120_000)
        await page.evaluate(_RECORD_MOUSE_UP)
        while time.monotonic() < deadline:
            if index == 0 and retrain_at is not None and time.monotonic() > retrain_at and not retrain_state:
                retrain_state["pressed"] = time.monotonic()
                await page.get_by_test_id("stSidebar").get_by_role("button", name="Retrain").click()
            digit = rng.choice(DIGITS)
            size = rng.uniform(0.45, 0.7)
            await draw(page, digit, rng.uniform(0.02, 0.95 - size), rng.uniform(0.02, 0.95 - size), size)
            try:
                await page.wait_for_function(_SHOWN, polling="raf", timeout=30_000)
            except Exception as error:  # noqa: BLE001 - a missing prediction is what we count
                tally.errors.append(f"user {index}: no prediction within 30 s ({type(error).__name__})")
                continue
            tally.latencies.append(await page.evaluate("performance.now() - window.__mouseUp") / 1000)
            shown = await page.locator(_METRIC).inner_text()
            if shown.split()[1] == str(digit):
                tally.correct += 1
            else:
                tally.wrong += 1
            if index == 0 and retrain_state.get("pressed") and "done" not in retrain_state:
                sidebar = await page.get_by_test_id("stSidebar").inner_text()
                if "New model saved" in sidebar or "failed" in sidebar:
                    retrain_state["done"] = time.monotonic()
                    retrain_state["outcome"] = "saved" if "New model saved" in sidebar else "failed"
            await clear(page)
    except Exception as error:  # noqa: BLE001
        tally.errors.append(f"user {index}: {type(error).__name__}: {str(error)[:200]}")
    finally:
        await page.close()


async def run(users: int, seconds: float, retrain_after: float | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="load-test-"))
    model = workdir / "model.keras"
    shutil.copy(DEFAULT_MODEL_PATH, model)
    shutil.copy(DEFAULT_MODEL_PATH.with_suffix(".json"), model.with_suffix(".json"))
    env = {"CNN_MODEL_PATH": str(model), "MNIST_NPZ": str(mnist_path())}
    tally, retrain_state = Tally(), {}
    with running_app(env) as url:
        idle = rss_mib(url.pid)
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                tempfile.mkdtemp(prefix="chromium-"),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            started = time.monotonic()
            deadline = started + seconds
            retrain_at = started + retrain_after if retrain_after is not None else None
            await asyncio.gather(
                *(user(context, url, i, deadline, tally, retrain_at, retrain_state) for i in range(users))
            )
            elapsed = time.monotonic() - started
            busy = rss_mib(url.pid)
            await context.close()
    shutil.rmtree(workdir, ignore_errors=True)

    predictions = len(tally.latencies)
    print(f"{users} browser sessions drawing for {seconds:.0f} s against one server (2 cores, shared with Chromium)")
    print(
        f"  predictions shown       {predictions} ({predictions / elapsed:.1f}/s), right digit {tally.correct}, "
        f"other digit {tally.wrong}"
    )
    if predictions:
        ordered = sorted(tally.latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"  mouse-up to prediction  p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(
        f"  server memory           {idle:.0f} MiB before, {busy:.0f} MiB with {users} sessions: "
        f"{(busy - idle) / users:.1f} MiB per session"
    )
    if retrain_state:
        took = retrain_state.get("done", float("nan")) - retrain_state["pressed"]
        print(
            f"  retrain in the middle   {retrain_state.get('outcome', 'not finished in time')}, "
            f"seen done after {took:.0f} s"
        )
    print(f"  errors                  {len(tally.errors)}")
    for error in tally.errors[:20]:
        print(f"    {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--retrain-at", type=float, default=15, help="seconds in; negative: no retrain")
    args = parser.parse_args()
    os.chdir(REPO)
    asyncio.run(run(args.users, args.seconds, args.retrain_at if args.retrain_at >= 0 else None))


if __name__ == "__main__":
    main()
