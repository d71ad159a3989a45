"""No stroke is lost: every point of the canvas starts a stroke, Clear is instant, and a phone
draws with its finger without scrolling and sees the answer beside the drawing.

Drawn fast, as people draw: the pointer arrives and presses at once, never hovering first (a
hover would let an invisible element over the canvas move out of the way and hide the defect).
"""

import re

import pytest
from playwright.sync_api import expect

from harness.browser import (
    CANVAS,
    chromium,
    clear_canvas,
    draw_digit,
    draw_digit_by_touch,
    in_viewport,
    ink_at,
    open_page,
    phone,
    prediction_shown,
)
from tests.support import REPO

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"

CORNERS = [(3, 3), (277, 3), (3, 277), (277, 277)]
EDGE_MIDPOINTS = [(140, 3), (3, 140), (277, 140), (140, 277)]
TOP_BAND = [(140, 10), (190, 18), (250, 12), (272, 8)]  # where the library's toolbar used to sit


@pytest.fixture(scope="module")
def page(playwright, app_url):
    with chromium(playwright, width=1280, height=720) as context:
        yield open_page(context, app_url)


def prediction(page):
    return prediction_shown(page)


def stroke_from(page, start, through=((140, 140), (200, 250))):
    """One stroke that begins at `start` (canvas pixels), pressed the moment the pointer gets there."""
    box = page.locator(CANVAS).bounding_box()
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    for x, y in through:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()


@pytest.mark.parametrize("start", CORNERS + EDGE_MIDPOINTS + TOP_BAND, ids=str)
def test_a_stroke_may_start_anywhere_on_the_canvas(page, start):
    clear_canvas(page)
    expect(prediction(page)).to_have_count(0, timeout=20_000)
    assert ink_at(page, *start) == 0
    stroke_from(page, start)
    expect(prediction(page)).to_contain_text("Prediction", timeout=20_000)
    assert ink_at(page, *start) > 200, f"the stroke did not begin at {start}"
    assert page.errors == []


def test_a_stroke_during_the_previous_strokes_rerun_is_kept(page):
    clear_canvas(page)
    stroke_from(page, (60, 200), through=((140, 200),))
    page.wait_for_timeout(250)  # the first stroke has been sent; its rerun is under way
    stroke_from(page, (190, 18), through=((190, 120),))
    expect(prediction(page)).to_contain_text("Prediction", timeout=20_000)
    page.wait_for_timeout(1500)  # every rerun has landed
    assert ink_at(page, 60, 200) > 200 and ink_at(page, 190, 18) > 200
    assert page.errors == []


def test_clear_is_instant_and_a_digit_drawn_right_after_it_is_read(page):
    clear_canvas(page)
    draw_digit(page, 7, left=0.2, top=0.15, size=0.65)
    expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*7"), timeout=20_000)
    seven_only = (150, 60)  # on the 7's top bar, away from where the 0 goes
    assert ink_at(page, *seven_only) > 200
    clear_canvas(page)
    assert ink_at(page, *seven_only) == 0, "Clear did not empty the canvas at once"
    page.wait_for_timeout(50)
    draw_digit(page, 0, left=0.3, top=0.35, size=0.55)
    expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*0"), timeout=20_000)
    page.wait_for_timeout(1500)  # anything still in flight has landed: the 0 must stay
    expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*0"))
    assert ink_at(page, 161, 106) > 200, "the digit drawn after Clear is not on the canvas"
    assert ink_at(page, *seven_only) == 0
    assert page.errors == []


def test_undo_takes_back_the_last_stroke(page):
    clear_canvas(page)
    stroke_from(page, (60, 60), through=((220, 60),))
    stroke_from(page, (140, 60), through=((140, 250),))
    expect(prediction(page)).to_have_count(1, timeout=20_000)
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Undo", exact=True).click()
    assert ink_at(page, 140, 200) == 0 and ink_at(page, 60, 60) > 200
    assert page.errors == []


def test_canvas_clear_and_prediction_fit_a_projector_screen(page):
    ARTIFACTS.mkdir(exist_ok=True)
    clear_canvas(page)
    draw_digit(page, 7)
    expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*7"), timeout=20_000)
    for element in (
        page.locator(CANVAS),
        page.get_by_role("button", name="Clear", exact=True),
        prediction(page),
    ):
        assert in_viewport(page, element)
    page.screenshot(path=ARTIFACTS / "canvas-1280x720.png")


def test_drawing_on_a_phone_with_a_finger(playwright, app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with phone(playwright) as context:
        page = open_page(context, app_url)
        expect(page.get_by_text("Draw one digit")).to_be_visible(timeout=20_000)
        canvas_before = page.locator(CANVAS).bounding_box()
        draw_digit_by_touch(page, 7)
        readout = page.get_by_test_id("stMainBlockContainer").locator(".st-key-readout .sr-readout")
        expect(readout).to_contain_text(re.compile(r"reads\s*7"), timeout=20_000)
        page.screenshot(path=ARTIFACTS / "canvas-phone-390x844.png")
        # Drawing neither scrolled nor zoomed the page, and nothing sticks out sideways.
        assert page.locator(CANVAS).bounding_box() == canvas_before
        assert page.evaluate("window.visualViewport.scale") == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert in_viewport(page, page.locator(CANVAS))
        assert in_viewport(page, readout)
        assert ink_at(page, 150, 60) > 200  # on the 7's top bar: the finger drew, it did not scroll
        assert page.errors == []
