"""The lecture view in a real browser at projector size: the whole network on the first
screen after a stroke, and one unit opened and explained."""

import re

import pytest
from playwright.sync_api import expect

from harness.browser import (
    CANVAS,
    chromium,
    clear_canvas,
    draw_digit,
    elements_sent,
    frames_received,
    in_viewport,
    open_page,
)
from tests.support import REPO

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"
VIEW = "[data-testid='stBidiComponentIsolated'] .lv-root"


def open_lecture(context, url):
    return open_page(context, f"{url}/?view=lecture")


def test_a_stroke_reruns_the_canvas_and_what_the_server_reads_but_not_the_buttons(playwright, app_url):
    # app.py lecture_pen_ui: the title, the columns, the view switches and the canvas's buttons
    # are mounted once; a stroke's run sends the canvas and the network's piece, which carries
    # the readout for the page to draw under the canvas (ui/server_reading.py).
    with chromium(playwright, width=1280, height=720) as context:
        frames = frames_received(context)
        page = open_lecture(context, app_url)
        idle = page.get_by_test_id("stApp")
        readout = page.locator(".st-key-readout")
        expect(readout).to_contain_text("Draw one digit", timeout=20_000)
        expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
        frames.clear()
        draw_digit(page, 7)
        expect(readout).to_contain_text("reads 7", timeout=20_000)
        expect(readout).to_contain_text("The dense net")
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("7")
        expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
        sent = elements_sent(frames)
        assert not [element for element in sent if element.startswith("button")], sent  # made once
        assert not [element for element in sent if "Digit lens" in element], sent  # the title too
        assert sent and all(element.startswith("bidi_component") for element in sent), sent  # no readout of its own
        pieces = {element for element in sent if element.startswith("bidi_component")}
        canvas = "bidi_component: streamlit-drawable-canvas.streamlit_drawable_canvas"
        assert pieces == {canvas, "bidi_component: digit_lens.lecture_view"}, pieces  # not its buttons

        # The buttons mounted once still work on the canvas of the later runs, and the switch too.
        undo = page.get_by_role("button", name="Undo", exact=True)
        expect(undo).to_be_enabled()
        clear_canvas(page)
        expect(readout).to_contain_text("Draw one digit", timeout=20_000)
        draw_digit(page, 1)
        expect(readout).to_contain_text("reads 1", timeout=20_000)
        page.get_by_role("button", name="Detailed view").click()
        expect(page.get_by_role("button", name="Lecture view")).to_be_visible(timeout=20_000)
        assert page.errors == []


def test_the_whole_network_fits_a_projector_and_a_unit_opens(playwright, app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(playwright, width=1280, height=720) as context:
        page = open_lecture(context, app_url)
        draw_digit(page, 7)
        digit = page.locator(f"{VIEW} .lv-digit")
        expect(digit).to_have_text("7", timeout=20_000)
        page.wait_for_timeout(500)  # the view fits itself to the window after drawing
        for element in (
            page.locator(CANVAS),
            page.get_by_role("button", name="Clear", exact=True),
            *(page.locator(f"{VIEW} section[data-layer={name}]") for name in ("input", "conv1", "conv2", "conv3")),
            page.locator(f"{VIEW} .lv-dense"),
            page.locator(f"{VIEW} .lv-probs"),
            digit,
        ):
            assert in_viewport(page, element), element
        assert page.locator(f"{VIEW} .lv-total").inner_text() == "93,322 parameters in all"
        page.screenshot(path=ARTIFACTS / "lecture-1280x720.png")

        grid = page.locator(f"{VIEW} section[data-layer=conv2] canvas")
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 4, box["y"] + 4)  # the first map
        inspector = page.locator(f"{VIEW} .lv-inspector")
        expect(inspector).to_contain_text("conv2 · channel 0")
        expect(inspector).to_contain_text("ReLU keeps", timeout=20_000)
        # The close-up may be redrawn when the server's answer lands: click it through the locator,
        # which waits until it is attached and still, at its middle (unit 5, 5 of 11 x 11).
        page.locator(f"{VIEW} .lv-big").click()
        expect(inspector).to_contain_text(re.compile(r"Row [456], column [456] sees"))
        row, column = map(int, re.search(r"Row (\d+), column (\d+)", inspector.inner_text()).groups())
        # conv2: 8 x 8 input pixels per unit, 2 apart (tests/test_anatomy.py checks these by brute force)
        expect(inspector).to_contain_text(
            f"sees a 8 x 8 patch of the input: rows {2 * row}–{2 * row + 7}, columns {2 * column}–{2 * column + 7}"
        )
        expect(inspector).to_contain_text("ReLU keeps", timeout=20_000)
        assert in_viewport(page, inspector)
        page.screenshot(path=ARTIFACTS / "lecture-1280x720-unit.png")

        page.locator(f"{VIEW} .lv-prob").nth(7).hover()
        expect(page.locator(f"{VIEW} .lv-status")).to_contain_text(re.compile(r"7: .*strongest inputs: dense #\d+"))
        page.get_by_role("button", name="Step").click()
        expect(inspector).to_contain_text("Row 0, column 0 sees")
        assert page.errors == []


def test_a_big_screen_uses_the_room(playwright, app_url):
    with chromium(playwright, width=1920, height=1080) as context:
        page = open_lecture(context, app_url)
        draw_digit(page, 4)
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("4", timeout=20_000)
        page.wait_for_timeout(500)
        conv2 = page.locator(f"{VIEW} section[data-layer=conv2] canvas").bounding_box()
        assert conv2["height"] > 500  # the grids grow with the screen
        assert in_viewport(page, page.locator(f"{VIEW} .lv-status"))
        page.screenshot(path=ARTIFACTS / "lecture-1920x1080.png")
        assert page.errors == []
