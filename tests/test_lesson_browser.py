"""The lesson in a real browser, as a student walks it: open /lesson (its own page), draw a digit
on step 1, then Next through every step at the projector's 1280x720 and on a 390x844 phone. Each
step is screenshotted (artifacts/lesson-*.png), fits the projector's screen without scrolling, and
is never wider than the phone."""

import pytest
from playwright.sync_api import expect

from harness.browser import chromium, draw_digit, draw_digit_by_touch, open_page, phone
from tests.support import REPO
from ui.lesson.steps import STEPS

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"
MATRIX = "svg.lesson-matrix"

# How far the page's content reaches, and how wide it is, in CSS pixels.
_EXTENT = """() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const blocks = [...main.querySelectorAll('[data-testid="stElementContainer"]')]
    .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height > 0);
  const bottom = Math.max(...blocks.map((e) => e.getBoundingClientRect().bottom)) + window.scrollY;
  return {bottom, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth};
}"""


# The convolved feature (the third matrix on step 2) has all nine numbers written in.
_FEATURE_FILLED = """() => {
  const svgs = document.querySelectorAll("svg.lesson-matrix");
  return svgs.length >= 3 && [...svgs[2].querySelectorAll("text")].filter((t) => t.textContent).length === 9;
}"""


def walk_the_lesson(page, name: str, draw) -> list[dict]:
    page.wait_for_selector("text=step 1 of 9")
    draw(page, 7)
    expect(page.locator(MATRIX)).to_have_count(1, timeout=20_000)  # the digit as 28 x 28 numbers
    extents = []
    for number in range(1, len(STEPS) + 1):
        if number > 1:
            page.get_by_role("button", name="Next", exact=True).click()
            expect(page.get_by_text(f"step {number} of {len(STEPS)}")).to_be_visible(timeout=20_000)
            assert f"step={number}" in page.url
        expect(page.get_by_text(STEPS[number - 1].title, exact=True)).to_be_visible()
        header = page.locator("[data-testid='stHeader']").bounding_box()
        where = page.get_by_text(f"step {number} of {len(STEPS)}").bounding_box()
        assert where["y"] >= header["y"] + header["height"], (number, where, header)  # not under the header
        title = page.get_by_text(STEPS[number - 1].title, exact=True).bounding_box()
        for button in ("Leave", "Back", "Next"):  # a long title wrapped on a phone once ran under them
            box = page.get_by_role("button", name=button, exact=True).bounding_box()
            apart = title["y"] >= box["y"] + box["height"] or box["y"] >= title["y"] + title["height"]
            assert apart or title["x"] >= box["x"] + box["width"] or box["x"] >= title["x"] + title["width"], (
                number,
                button,
                title,
                box,
            )
        assert page.get_by_text("draw one on step 1").count() == 0, number  # the digit was kept
        page.wait_for_timeout(400)  # pictures decoded, layout settled
        page.screenshot(path=ARTIFACTS / f"lesson-{name}-step{number}.png")
        extents.append(page.evaluate(_EXTENT) | {"step": number})
    assert page.errors == []
    return extents


def test_a_student_walks_the_lesson_on_the_projector(playwright, app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, f"{app_url}/lesson")
        extents = walk_the_lesson(page, "projector", draw_digit)
        too_tall = [e for e in extents if e["bottom"] > 720]
        assert not too_tall, too_tall
        # Play on step 2: the filter slides over the 5x5 image by itself until the feature is full.
        page.goto(f"{app_url}/lesson?step=2")
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(_FEATURE_FILLED, timeout=20_000)
        # The step is in the address: another tab opened on it shows the same step.
        other = context.new_page()
        other.goto(f"{app_url}/lesson?step=2")
        expect(other.get_by_text("step 2 of 9")).to_be_visible(timeout=60_000)
        expect(other.get_by_text(STEPS[1].title, exact=True)).to_be_visible()


def test_a_student_walks_the_lesson_on_a_phone(playwright, app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with phone(playwright) as context:
        page = open_page(context, f"{app_url}/lesson")
        extents = walk_the_lesson(page, "phone", draw_digit_by_touch)
        too_wide = [e for e in extents if e["scrollWidth"] > e["width"]]
        assert not too_wide, too_wide


def test_the_pages_have_their_own_addresses_and_lead_to_each_other(playwright, app_url):
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, f"{app_url}/lecture")
        # The title, not "the whole network" anywhere: the empty network's words say it too.
        expect(page.locator(".st-key-lecture_title")).to_contain_text("the whole network", timeout=30_000)
        page.get_by_role("button", name="Detailed view").click()
        expect(page.get_by_role("heading", name="How a convnet reads your digit")).to_be_visible(timeout=30_000)
        assert "/lecture" not in page.url
        page.get_by_role("link", name="Lesson").click()
        expect(page.get_by_text("step 1 of 9")).to_be_visible(timeout=30_000)
        assert page.url.endswith("/lesson?step=1")
        page.get_by_role("button", name="Leave").click()
        expect(page.get_by_role("heading", name="How a convnet reads your digit")).to_be_visible(timeout=30_000)
        page.goto(f"{app_url}/wall")
        expect(page.get_by_role("button", name="Back to drawing")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Back to drawing").click()
        expect(page.get_by_role("heading", name="How a convnet reads your digit")).to_be_visible(timeout=30_000)
        assert page.errors == []
