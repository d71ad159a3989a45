"""Accessibility, judged by axe-core (WCAG 2.0 / 2.1, levels A and AA) on the four screens a class
sees, each after a digit is drawn: the detailed view and the lecture view on a 1280x720
projector, the class wall, and the detailed view on a phone drawn with a finger. No rule may be
broken at impact serious or critical; the sidebar's expand button may cover no heading; the
page's own controls are reached with the Tab key.

axe-core comes from a package (axe-playwright-python ships axe.min.js) and is injected into the
main document; the canvas lives in an open shadow root there (no iframe), which axe reads.
"""

import re

import pytest
from playwright.sync_api import expect

from harness.browser import (
    SEND,
    axe_violations,
    chromium,
    draw_digit,
    draw_digit_by_touch,
    open_page,
    phone,
    prediction_shown,
    running_app,
    send_outcome,
    violations_report,
)

pytestmark = pytest.mark.browser
BLOCKING = ("serious", "critical")

# Every heading's text (and the lecture view's title line) against the sidebar's expand or
# collapse button, on screen: the pairs that overlap.
_HEADINGS_UNDER_SIDEBAR_BUTTON = """() => {
  const buttons = [...document.querySelectorAll(
    "[data-testid='stExpandSidebarButton'], [data-testid='stSidebarCollapseButton'] button")]
    .map((b) => b.getBoundingClientRect()).filter((r) => r.width > 0);
  const headings = document.querySelectorAll(
    "[data-testid='stMain'] h1, [data-testid='stMain'] h2, [data-testid='stMain'] h3, .st-key-lecture_title p");
  const overlaps = [];
  for (const heading of headings) {
    const range = document.createRange();
    range.selectNodeContents(heading);
    for (const text of range.getClientRects()) {
      for (const button of buttons) {
        const apart = text.right <= button.left || button.right <= text.left
          || text.bottom <= button.top || button.bottom <= text.top;
        if (!apart) overlaps.push(`${heading.textContent.trim()} under the button at ${button.left},${button.top}`);
      }
    }
  }
  return overlaps;
}"""

# The control that has the keyboard focus, looking into shadow roots (our Undo / Redo / Clear).
_FOCUSED = """() => {
  let element = document.activeElement;
  while (element && element.shadowRoot && element.shadowRoot.activeElement) element = element.shadowRoot.activeElement;
  if (!element) return "";
  const words = element.getAttribute("aria-label") || element.innerText || element.tagName;
  const lines = words.trim().split(String.fromCharCode(10));
  return lines[lines.length - 1].trim(); // a button's icon name comes first, its words last

}"""


@pytest.fixture(scope="module")
def wall_app(tmp_path_factory):
    """The app with a class wall of its own (a throwaway SQLite file)."""
    database = tmp_path_factory.mktemp("wall") / "wall.sqlite"
    with running_app({"DATABASE_URL": f"sqlite:///{database}"}) as url:
        yield url


def prediction(page):
    return prediction_shown(page)


def readout(page):
    """The answer in one line under the canvas: Streamlit's (detailed view) or the page's (lecture view)."""
    return page.get_by_test_id("stMainBlockContainer").locator(".st-key-readout .sr-readout")


def assert_accessible(page):
    page.wait_for_timeout(500)  # the fragment's last rerun has landed
    blocking = [violation for violation in axe_violations(page) if violation["impact"] in BLOCKING]
    assert not blocking, "axe-core:\n" + violations_report(blocking)
    assert page.evaluate(_HEADINGS_UNDER_SIDEBAR_BUTTON) == []
    assert page.errors == []


def test_detailed_view_after_a_digit(playwright, wall_app):
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, wall_app)
        draw_digit(page, 7)
        expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*7"), timeout=20_000)
        assert_accessible(page)
        # With the sidebar closed its expand button moves into the page's corner: still clear of the title.
        page.get_by_test_id("stSidebar").hover()  # its collapse button shows on hover
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()
        assert page.evaluate(_HEADINGS_UNDER_SIDEBAR_BUTTON) == []


def test_the_page_controls_are_reached_with_the_tab_key(playwright, wall_app):
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, wall_app)
        draw_digit(page, 7)
        expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*7"), timeout=20_000)
        page.wait_for_timeout(500)
        focused = set()
        for _ in range(60):
            page.keyboard.press("Tab")
            focused.add(page.evaluate(_FOCUSED))
        wanted = {"Class wall", "Lecture view", "Undo", "Clear", "Send to the class wall", "Why this answer?"}
        assert wanted <= focused, f"never focused: {wanted - focused}; focused: {sorted(focused)}"


def test_lecture_view_after_a_digit(playwright, wall_app):
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, f"{wall_app}/?view=lecture")
        draw_digit(page, 7)
        expect(readout(page)).to_contain_text(re.compile(r"reads\s*7"), timeout=20_000)
        assert_accessible(page)


def test_class_wall_with_a_drawing(playwright, wall_app):
    with chromium(playwright, width=1280, height=720) as context:
        student = open_page(context, wall_app)
        draw_digit(student, 4)
        expect(prediction(student)).to_contain_text(re.compile(r"Prediction\s*4"), timeout=20_000)
        student.get_by_role("button", name=SEND).click()
        expect(send_outcome(student)).to_contain_text("is on the class wall", timeout=20_000)
        wall = context.new_page()
        wall.errors = []
        wall.on("pageerror", lambda error: wall.errors.append(str(error)))
        wall.goto(f"{wall_app}/?view=wall")
        expect(wall.locator(".wall-tile").first).to_be_visible(timeout=30_000)
        assert_accessible(wall)


def test_phone_after_a_digit_drawn_by_finger(playwright, wall_app):
    with phone(playwright) as context:
        page = open_page(context, wall_app)
        draw_digit_by_touch(page, 7)
        expect(readout(page)).to_contain_text(re.compile(r"reads\s*7"), timeout=20_000)
        assert_accessible(page)
