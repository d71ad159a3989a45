"""The lecture view's unit panel in a real browser: click a map, see the test digits that excite
the chosen unit (cropped, the receptive field outlined, conv1's filter beside them), and new ones
for another position."""

import re

import pytest
from playwright.sync_api import expect

from harness.browser import axe_violations, chromium, draw_digit, in_viewport, open_page, violations_report
from tests.support import REPO

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"
VIEW = "[data-testid='stBidiComponentIsolated'] .lv-root"
_EXAMPLES_CHANGED = """(first) => {
  const panel = [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
    .map((host) => host.shadowRoot && host.shadowRoot.querySelector(".lv-inspector")).find(Boolean);
  const examples = panel && panel.querySelector(".lv-examples");
  if (!examples || examples.textContent.includes("Finding")) return false;
  const img = examples.querySelector("img");
  return !img || img.alt !== first;
}"""


def test_a_clicked_unit_shows_its_test_digits(playwright, app_url, mnist_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, f"{app_url}/?view=lecture")
        draw_digit(page, 7)
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("7", timeout=20_000)
        page.wait_for_timeout(500)  # the view fits itself to the window after drawing
        box = page.locator(f"{VIEW} section[data-layer=conv2] canvas").bounding_box()
        page.mouse.click(box["x"] + 4, box["y"] + 4)  # conv2's first map, at its strongest unit
        inspector = page.locator(f"{VIEW} .lv-inspector")
        # Found in the background on the server's first page (a few seconds), then with the panel.
        expect(inspector).to_contain_text("Top 9 of 10,000 test digits", timeout=30_000)
        thumbs = inspector.locator(".lv-thumb img")
        expect(thumbs).to_have_count(9)
        alts = thumbs.evaluate_all("t => t.map(i => i.alt)")
        assert all(alt.startswith("a ") and "activation" in alt for alt in alts)
        assert inspector.locator(".lv-field").count() == 9  # the 8x8 receptive field outlined in each
        assert all(thumbs.evaluate_all("t => t.map(i => i.complete && i.naturalWidth === 12)"))  # 12x12 crops
        assert inspector.locator(".lv-filter").count() == 0  # conv2 reads maps, not the image
        page.screenshot(path=ARTIFACTS / "lecture-unit-examples.png")
        assert in_viewport(page, inspector)  # beside the map: the panel still fits the projector
        blocking = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not blocking, "axe-core:\n" + violations_report(blocking)  # as tests/test_accessibility.py

        first = thumbs.first.get_attribute("alt")
        page.locator(f"{VIEW} .lv-big").click(position={"x": 2, "y": 2})  # row 0, column 0: a blank corner
        expect(inspector).to_contain_text("Row 0, column 0 sees")
        # The corner's own examples replace the strongest unit's (or a line saying it never fires).
        page.wait_for_function(_EXAMPLES_CHANGED, arg=first, timeout=20_000)

        box = page.locator(f"{VIEW} section[data-layer=conv1] canvas").bounding_box()
        page.mouse.click(box["x"] + 4, box["y"] + 4)
        expect(inspector).to_contain_text("conv1 · channel 0")
        expect(inspector.locator(".lv-filter span")).to_have_count(9, timeout=20_000)  # conv1: the filter itself
        expect(thumbs.first).to_have_js_property("naturalWidth", 10)  # 10x10 crops around a 3x3 field
        assert page.errors == []


def test_a_clicked_dense_unit_or_output_shows_its_test_digits(playwright, app_url, mnist_path):
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, f"{app_url}/?view=lecture")
        draw_digit(page, 7)
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("7", timeout=20_000)
        page.wait_for_timeout(500)
        cells = page.locator(f"{VIEW} .lv-unit")
        values = cells.evaluate_all("c => c.map(u => Number(u.title.split(': ')[1]))")
        strongest = max(range(len(values)), key=values.__getitem__)  # a unit that fires on this 7
        cells.nth(strongest).click()
        inspector = page.locator(f"{VIEW} .lv-inspector")
        expect(inspector).to_contain_text(f"dense · unit {strongest}", timeout=30_000)
        expect(inspector).to_contain_text("Top 9 of 10,000 test digits", timeout=30_000)
        thumbs = inspector.locator(".lv-thumb img")
        expect(thumbs).to_have_count(9)
        assert all(thumbs.evaluate_all("t => t.map(i => i.complete && i.naturalWidth === 28)"))  # whole digits
        assert inspector.locator(".lv-field").count() == 0  # a dense unit sees the whole input
        expect(cells.nth(strongest)).to_have_class(re.compile("lv-chosen"))
        assert in_viewport(page, inspector)

        page.locator(f"{VIEW} .lv-prob").nth(3).click()  # the output for 3
        expect(inspector).to_contain_text("· the 3", timeout=20_000)
        expect(inspector).to_contain_text("The 3s it is surest of", timeout=20_000)
        alts = inspector.locator(".lv-thumb img").evaluate_all("t => t.map(i => i.alt)")
        assert len(alts) == 18 and all(alt.startswith("a 3 ") for alt in alts)  # 9 surest, 9 least sure
        blocking = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not blocking, "axe-core:\n" + violations_report(blocking)
        page.get_by_role("button", name="Close the chosen unit").click()
        expect(inspector).to_have_count(0)
        assert page.errors == []
