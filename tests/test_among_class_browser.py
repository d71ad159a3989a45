"""The chapter "Among 10,000 digits" in a real browser: draw, see the map picture (served once per
model version) with the drawing's dot, the dot move after another stroke and while the pen is
still down, the page's dot where the server puts it, a test digit shown when the pointer is over
its point (and when a finger taps it), the nearest test digits and the occlusion map; ask for the
flip and see both networks' changes; axe finds nothing serious in the chapter."""

import base64
import json

import numpy as np
import pytest
from playwright.sync_api import expect

from cnn.files.mnist import read_npz
from harness.browser import axe_violations, chromium, draw_digit, open_page, phone, violations_report
from tests.test_live_network import press_and_draw
from ui.among_class import MAPS_FOLDER

pytestmark = pytest.mark.browser
_ROOT = """[...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector(".dm-root")).find(Boolean)"""
_DOT = f"""() => {{ const d = ({_ROOT})?.querySelector('.among-dot');
  return d && !d.hidden && [d.style.left, d.style.top]; }}"""
_STATE = f"() => {{ const r = {_ROOT}; return r ? {{ ...r.dataset }} : null; }}"
_EDITOR = """() => { const r = [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector(".ie-root")).find(Boolean);
  return r ? { ...r.dataset } : null; }"""


def test_draw_see_the_dot_the_neighbours_and_what_flips_it(playwright, app_url, mnist_path):
    with chromium(playwright, width=1280, height=900) as context:
        page = open_page(context, f"{app_url}/?chapter=among")
        draw_digit(page, 4)
        picture = page.locator(".among-map img")
        expect(picture).to_be_visible(timeout=60_000)  # made in the background on the first look
        expect(page.locator(".among-dot")).to_have_count(1)
        assert picture.evaluate("i => i.complete && i.naturalWidth") == 420  # the file, served
        first = page.evaluate(_DOT)
        expect(page.locator(".among-neighbours img")).to_have_count(8)
        alts = page.locator(".among-neighbours img").evaluate_all("t => t.map(i => i.alt)")
        assert all(alt.startswith("a ") and ", test digit " in alt for alt in alts)
        expect(page.get_by_text("What the", exact=False).first).to_be_visible()

        server = page.evaluate(_STATE)["serverDot"]
        draw_digit(page, 1, left=0.45, top=0.1, size=0.8)  # another stroke: a new drawing
        page.wait_for_function(f"first => ({_DOT})() && ({_DOT})().join() !== first.join()", arg=first, timeout=20_000)
        # The page moves the dot at once; the flip below is for the drawing the server has read.
        page.wait_for_function(f"s => ({_STATE})().serverDot !== s", arg=server, timeout=20_000)

        page.get_by_role("button", name="Find the smallest change").click()
        expect(page.get_by_text("The convnet reads a", exact=False)).to_be_visible(timeout=20_000)
        expect(page.get_by_text("The dense net reads a", exact=False)).to_be_visible()
        serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not serious, violations_report(serious)
        assert page.errors == []


def _isolated_point(map_name: str) -> tuple[int, dict]:
    """A test digit whose point has no other within 5 px (so the pointer over it finds it alone)."""
    data = json.loads((MAPS_FOLDER / map_name).read_bytes())
    points = np.frombuffer(base64.b64decode(data["points"]), "<u2").reshape(-1, 2) / data["pointSteps"]
    for index in np.random.default_rng(0).permutation(len(points))[:400]:
        distances = np.sqrt(((points - points[index]) ** 2).sum(axis=1))
        distances[index] = np.inf
        inside = (points[index] > 20).all() and (points[index] < data["size"] - 20).all()
        if distances.min() > 5 and inside:
            return int(index), {"x": float(points[index][0]), "y": float(points[index][1]), "size": data["size"]}
    raise AssertionError("no isolated point on the map")


def _map_name(page) -> str:
    return page.evaluate(f"() => ({_ROOT}).dataset.map").removeprefix("app/static/maps/")


def _over(page, point: dict) -> tuple[float, float]:
    box = page.locator(".dm-picture").bounding_box()
    scale = box["width"] / point["size"]
    return box["x"] + point["x"] * scale, box["y"] + point["y"] * scale


def _shown_digit(page) -> np.ndarray:
    """The hover's 28 x 28 picture as the page painted it (its red channel)."""
    pixels = page.evaluate(
        f"""() => {{ const c = ({_ROOT}).querySelector('.dm-digit');
        return [...c.getContext('2d').getImageData(0, 0, 28, 28).data]; }}"""
    )
    return np.array(pixels, np.uint8).reshape(28, 28, 4)[..., 0]


def test_the_dot_moves_with_the_pen_and_a_point_shows_its_digit(playwright, app_url, mnist_path):
    with chromium(playwright, width=1280, height=900) as context:
        map_files = []  # what the page asks of the maps folder: the points and picture, once per model
        context.on("request", lambda r: "/app/static/maps/digit-map-" in r.url and map_files.append(r.url))
        page = open_page(context, f"{app_url}/?chapter=among")
        draw_digit(page, 7)
        expect(page.locator(".dm-picture")).to_be_visible(timeout=60_000)
        page.wait_for_function(f"() => ({_STATE})()?.state === 'ready' && ({_DOT})()", timeout=20_000)
        # The page's dot for the finished 7 is where the server puts the drawing it received.
        page.wait_for_function(f"() => ({_STATE})()?.dotFrom === 'page' && ({_STATE})()?.serverDot", timeout=20_000)
        state = page.evaluate(_STATE)
        page_dot = np.array(state["dot"].split(","), float)
        server_dot = np.array(state["serverDot"].split(","), float)
        assert np.abs(page_dot - server_dot).max() < 1.0, (page_dot, server_dot)  # pixels of a 420 px map

        # Mid-stroke, the button still down (nothing has reached the server): the dot moves.
        before = page.evaluate(_STATE)["dot"]
        press_and_draw(page, 1, fraction=0.5, left=0.05)  # a bar beside the 7: another drawing
        page.wait_for_function(f"before => ({_STATE})().dot !== before", arg=before, timeout=5_000)
        half = page.evaluate(_STATE)["dot"]
        box = page.locator("[data-testid='stBidiComponentIsolated'] canvas.upper-canvas").first.bounding_box()
        for step in range(1, 6):  # the pen goes on, sideways: another drawing, another place
            page.mouse.move(box["x"] + box["width"] * (0.1 + 0.08 * step), box["y"] + box["height"] * 0.9, steps=4)
        page.wait_for_function(f"half => ({_STATE})().dot !== half", arg=half, timeout=5_000)
        assert page.evaluate(_STATE)["dotFrom"] == "page"
        server = page.evaluate(_STATE)["serverDot"]
        page.mouse.up()
        page.wait_for_function(f"s => ({_STATE})().serverDot !== s", arg=server, timeout=20_000)
        page.wait_for_timeout(500)  # the server's rerun laid out
        page.locator(".dm-picture").scroll_into_view_if_needed()

        # The pointer over a test digit's point: that digit, its number and its label.
        index, point = _isolated_point(_map_name(page))
        labels = read_npz(mnist_path)["y_test"]
        page.mouse.move(*_over(page, point))
        tip = page.locator(".dm-tip")
        expect(tip).to_be_visible(timeout=5_000)
        expect(tip).to_contain_text(f"a {int(labels[index])}, test digit #{index}")
        page.wait_for_function(
            f"() => ({_ROOT}).querySelector('.dm-digit').getAttribute('aria-label')?.includes('#{index}')",
            timeout=5_000,
        )
        expected = read_npz(mnist_path)["x_test"][index].reshape(28, 28)
        assert np.abs(_shown_digit(page).astype(int) - expected).max() <= 2  # the digit itself, from its sheet
        page.mouse.move(5, 5)  # off the map: the tip goes
        expect(tip).to_be_hidden()
        # Three strokes, three reruns: the map's numbers and picture were each fetched once.
        assert sorted(url.rsplit(".", 1)[1] for url in map_files) == ["json", "png"], map_files
        assert page.errors == []


def test_a_finger_taps_a_point_on_a_phone(playwright, app_url, mnist_path):
    from harness.browser import draw_digit_by_touch

    with phone(playwright) as context:
        page = open_page(context, f"{app_url}/?chapter=among")
        draw_digit_by_touch(page, 4)
        picture = page.locator(".dm-picture")
        expect(picture).to_be_visible(timeout=60_000)
        page.wait_for_function(f"() => ({_STATE})()?.state === 'ready' && ({_DOT})()", timeout=20_000)
        # The server's run for the stroke has arrived and the page is laid out: a rerun landing
        # after the tap redraws the map under the finger (the tip closed, or the point moved away).
        page.wait_for_function(f"() => ({_STATE})()?.serverDot", timeout=20_000)
        expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
        page.wait_for_timeout(500)
        picture.scroll_into_view_if_needed()
        box = picture.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the map fits the phone's width
        index, point = _isolated_point(_map_name(page))
        page.touchscreen.tap(*_over(page, point))
        expect(page.locator(".dm-tip")).to_contain_text(f"test digit #{index}", timeout=5_000)

        # A finger paints a pixel of the network's input (the top-left corner: background).
        editor = page.locator(".ie-editor")
        editor.scroll_into_view_if_needed()
        page.wait_for_function(f"() => ({_EDITOR})()?.state === 'ready'", timeout=20_000)
        box = editor.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.touchscreen.tap(box["x"] + box["width"] / 56, box["y"] + box["height"] / 56)
        page.wait_for_function(f"() => ({_EDITOR})().changed === '1'", timeout=5_000)
        assert _edited(page)[0, 0] == 1.0
        assert page.errors == []


def _edited(page) -> np.ndarray:
    return np.frombuffer(base64.b64decode(page.evaluate(_EDITOR)["image"]), "<f4").reshape(28, 28)


def _drag(page, box, cells: list[tuple[int, int]]) -> None:
    """Drag the mouse over the editor through the centres of these (row, column) pixels."""
    side = box["width"] / 28
    points = [(box["x"] + (c + 0.5) * side, box["y"] + (r + 0.5) * side) for r, c in cells]
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    page.mouse.up()


def test_painting_and_erasing_pixels_of_the_input_is_read_as_the_network_says(playwright, app_url):
    from cnn import DEFAULT_MODEL_PATH
    from cnn.net.network import load_network

    network = load_network(DEFAULT_MODEL_PATH)
    with chromium(playwright, width=1280, height=900) as context:
        page = open_page(context, f"{app_url}/?chapter=among")
        draw_digit(page, 1)
        editor = page.locator(".ie-editor")
        expect(editor).to_be_visible(timeout=60_000)
        page.wait_for_function(f"() => ({_STATE})()?.state === 'ready'", timeout=60_000)  # the page laid out
        page.wait_for_function(f"() => ({_EDITOR})()?.state === 'ready'", timeout=20_000)
        drawn = _edited(page).copy()
        start = page.evaluate(_EDITOR)
        assert start["changed"] == "0"
        editor.scroll_into_view_if_needed()
        box = editor.bounding_box()

        # Paint the top bar of a 7 over the 1, then erase the 1's lower half: a new reading each time,
        # the one the network (numpy, from the model file) gives the edited input.
        _drag(page, box, [(5, column) for column in range(7, 22)])
        after_paint = page.evaluate(_EDITOR)
        painted = _edited(page)
        assert (painted[5, 7:22] == 1).all() and int(after_paint["changed"]) == int((painted != drawn).sum()) > 0
        page.get_by_role("button", name="Erase", exact=True).click()
        _drag(page, box, [(row, column) for row in range(16, 26) for column in (12, 13, 14, 15, 16)])
        state = page.evaluate(_EDITOR)
        edited = _edited(page)
        assert (edited[16:26, 12:17] == 0).all() and (edited[5, 7:22] == 1).all()
        expected = network.predict(edited)[0]
        shown = np.array(json.loads(state["probabilities"]))
        assert np.abs(shown - expected).max() < 0.01, (shown.round(3), expected.round(3))
        assert state["digit"] == str(int(expected.argmax()))
        assert state["probabilities"] != start["probabilities"]

        # Another rerun of the page (asking for the flip) keeps the edits: the drawing is the same.
        page.get_by_role("button", name="Find the smallest change").click()
        expect(page.get_by_text("The convnet reads a", exact=False)).to_be_visible(timeout=20_000)
        assert (_edited(page) == edited).all() and page.evaluate(_EDITOR)["changed"] == state["changed"]

        # The keyboard: the cursor is where the pointer last pressed (row 16, column 12); two steps
        # right and one up, Space flips the pixel under it.
        editor.focus()
        before = _edited(page)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Space")
        flipped = _edited(page)
        assert (flipped != before).sum() == 1 and flipped[15, 14] == (0.0 if before[15, 14] >= 0.5 else 1.0)

        page.get_by_role("button", name="Back to the drawing", exact=True).click()
        page.wait_for_function(f"() => ({_EDITOR})().changed === '0'", timeout=5_000)
        assert (_edited(page) == drawn).all()
        assert page.evaluate(_EDITOR)["probabilities"] == start["probabilities"]
        serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not serious, violations_report(serious)
        assert page.errors == []
