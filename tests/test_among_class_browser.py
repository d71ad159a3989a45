"""The chapter "Among 10,000 digits" in a real browser: draw, see the map picture (served once per
model version) with the drawing's dot, the dot move after another stroke, the nearest test
digits and the occlusion map; ask for the flip and see both networks' changes; axe finds nothing
serious in the chapter."""

import pytest
from playwright.sync_api import expect

from harness.browser import axe_violations, chromium, draw_digit, open_page, violations_report

pytestmark = pytest.mark.browser
_DOT = "() => { const d = document.querySelector('.among-dot'); return d && [d.style.left, d.style.top]; }"


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

        draw_digit(page, 1, left=0.45, top=0.1, size=0.8)  # another stroke: a new drawing
        page.wait_for_function(f"first => ({_DOT})() && ({_DOT})().join() !== first.join()", arg=first, timeout=20_000)

        page.get_by_role("button", name="Find the smallest change").click()
        expect(page.get_by_text("The convnet reads a", exact=False)).to_be_visible(timeout=20_000)
        expect(page.get_by_text("The dense net reads a", exact=False)).to_be_visible()
        serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not serious, violations_report(serious)
        assert page.errors == []
