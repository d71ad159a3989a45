"""The chapter "Among 10,000 digits" in the page, in real Chromium 1280x720, unthrottled and with
the CPU throttled 4x (CDP Emulation.setCPUThrottlingRate, roughly a mid-range phone):

- the map's dot while the pen moves: placing the page's hidden activations on the map (the 64x2
  projection and moving the dot; static/js/digit_map.js writes it into data-place-milliseconds)
  and the pen move to the dot placed (the wait for the animation frame and the whole reading
  included: data-move-to-placed-milliseconds);
- an edit of the input (static/js/input_editor.js): one pixel painted to the answer, the
  probabilities, every Conv2D layer's maps and the hidden units redrawn (data-milliseconds);
- the bytes the chapter's pieces fetch (the map's numbers, one sheet of test digits on a hover).

    python bench/among_page.py [--moves 120]

Target (issue 25): placing a drawing <= 2 ms, so the dot moves with the pen.
"""

import argparse

from browser_network import describe, frame_times, wire_log
from common import REPO  # noqa: F401 - puts the repository on sys.path
from playwright.sync_api import sync_playwright

from harness.browser import CANVAS, chromium, draw_digit, running_app

_ROOT = """(selector) => [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector(selector)).find(Boolean)"""
_DATA = f"([selector, field]) => {{ const r = ({_ROOT})(selector); return r ? r.dataset[field] || '' : ''; }}"
PLACE = (".dm-root", "placeMilliseconds")
MOVE_TO_PLACED = (".dm-root", "moveToPlacedMilliseconds")


def edit_times(page, edits: int) -> list[float]:
    """Drag over the editor one pixel at a time (rows 2-25, back and forth); after each move that
    painted a pixel, the page's own time for that edit read and drawn."""
    editor = page.locator(".ie-editor")
    editor.scroll_into_view_if_needed()
    box = editor.bounding_box()
    side = box["width"] / 28
    cells = [(row, column if row % 2 else 27 - column) for row in range(2, 26) for column in range(2, 26)]
    times, seen = [], page.evaluate(_DATA, [".ie-root", "changed"])
    page.mouse.move(box["x"] + (cells[0][1] + 0.5) * side, box["y"] + (cells[0][0] + 0.5) * side)
    page.mouse.down()
    for row, column in cells[1 : edits + 1]:
        page.mouse.move(box["x"] + (column + 0.5) * side, box["y"] + (row + 0.5) * side)
        changed = page.evaluate(_DATA, [".ie-root", "changed"])
        if changed != seen:
            times.append(float(page.evaluate(_DATA, [".ie-root", "milliseconds"])))
            seen = changed
    page.mouse.up()
    page.get_by_role("button", name="Back to the drawing", exact=True).click()
    return times


def measure(moves: int) -> dict:
    result = {}
    with running_app() as url, sync_playwright() as playwright, chromium(playwright, 1280, 720) as context:
        page = context.new_page()
        cdp, fetched = wire_log(context, page)
        page.goto(url + "/?chapter=among")
        page.locator(CANVAS).wait_for(timeout=60_000)
        draw_digit(page, 4)
        page.wait_for_function(f"() => ({_DATA})({list(PLACE)}) !== ''", timeout=60_000)
        page.wait_for_function(f"() => ({_DATA})(['.ie-root', 'state']) === 'ready'", timeout=60_000)
        page.wait_for_timeout(1000)
        for rate in (1, 4):
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            page.locator(CANVAS).scroll_into_view_if_needed()
            result[f"place, {rate}x"] = frame_times(page, moves, PLACE, states=("ready",))
            result[f"move to placed, {rate}x"] = frame_times(page, moves, MOVE_TO_PLACED, states=("ready",))
            result[f"edit, {rate}x"] = edit_times(page, moves)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        result["bytes"] = fetched("/app/static/maps/")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=120)
    args = parser.parse_args()
    result = measure(args.moves)
    print("Among 10,000 digits in the page, Chromium 1280x720")
    for name, times in result.items():
        if name != "bytes":
            target = "   target <= 2 ms" if name.startswith("place") else ""
            print(f"  {name:<22} {describe(times)}{target}")
    print("fetched by the chapter's pieces, once per model version (the map's picture and its numbers):")
    for address, size in sorted(result["bytes"].items(), key=lambda item: -item[1]):
        print(f"    {size / 1024:7.1f} KiB  {address.split('/app/static/')[-1]}")


if __name__ == "__main__":
    main()
