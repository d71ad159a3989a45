"""The lecture view's unit panel in a real browser: click a map, see the test digits that excite
the chosen unit (cropped, the receptive field outlined, conv1's filter beside them), and new ones
for another position. The page finds them itself (static/js/lecture/unit_digits.js, from the
server's files): held here to Python's own block for the same unit (display/unit_examples.py) and
to the MNIST pixels of each crop."""

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from harness.browser import axe_violations, chromium, draw_digit, in_viewport, open_page, violations_report
from tests.support import REPO

_PANEL = "[data-testid='stBidiComponentIsolated'] .lv-root .lv-inspector"

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"
VIEW = "[data-testid='stBidiComponentIsolated'] .lv-root"
_EXAMPLES_CHANGED = """(first) => {
  const panel = [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
    .map((host) => host.shadowRoot && host.shadowRoot.querySelector(".lv-inspector")).find(Boolean);
  const examples = panel && panel.querySelector(".lv-examples");
  if (!examples || examples.textContent.includes("Finding")) return false;
  const thumb = examples.querySelector("canvas");
  return !thumb || thumb.getAttribute("aria-label") !== first;
}"""


def _python_block(layer: str, channel: int, row: int = 0, column: int = 0) -> dict:
    """The block Python makes for this unit of the shipped model (the server's file, read back)."""
    from cnn import DEFAULT_MODEL_PATH
    from cnn.serving.model_store import ModelStore
    from cnn.serving.unit_examples import UnitExampleShelf, local_test_set
    from display.unit_examples import unit_examples_block

    loaded = ModelStore(DEFAULT_MODEL_PATH).current()
    shelf = UnitExampleShelf(local_test_set())
    state = shelf.wait(loaded.network, DEFAULT_MODEL_PATH, timeout=120)
    return unit_examples_block(
        state.examples, shelf.test_set, loaded.layer(layer), loaded.weights, channel, row, column
    )


def _labels(thumbs) -> list[str]:
    return thumbs.evaluate_all("t => t.map(c => c.getAttribute('aria-label'))")


def _words(examples: list[dict], quantity: str = "activation") -> list[str]:
    return [f"a {e['digit']} (test digit {e['index']}), {quantity} {e['activation']:.3f}" for e in examples]


def _drawn(page, thumbs, mnist_path, crop) -> None:
    """Every crop drawn from the sheets is that test digit's pixels."""
    from cnn.files.mnist import read_npz

    expect(thumbs.last).to_have_attribute("data-drawn", "1", timeout=10_000)
    images = read_npz(mnist_path)["x_test"]
    top, left, size = crop
    for label, pixels in zip(
        _labels(thumbs),
        thumbs.evaluate_all("t => t.map(c => [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data])"),
        strict=True,
    ):
        index = int(re.search(r"test digit (\d+)", label).group(1))
        shown = np.array(pixels, np.uint8).reshape(size, size, 4)[..., 0].astype(int)
        assert np.abs(shown - images[index, top : top + size, left : left + size]).max() <= 2, index


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
        thumbs = inspector.locator(".lv-thumb canvas")
        expect(thumbs).to_have_count(9)
        row, column = map(int, re.search(r"Row (\d+), column (\d+) sees", inspector.inner_text()).groups())
        python = _python_block("conv2", 0, row, column)
        assert _labels(thumbs) == _words(python["examples"])  # the same digits, order and activations
        assert inspector.locator(".lv-field").count() == 9  # the 8x8 receptive field outlined in each
        assert all(thumbs.evaluate_all("t => t.map(c => c.width === 12)")) and python["crop"][2] == 12
        _drawn(page, thumbs, mnist_path, python["crop"])
        assert inspector.locator(".lv-filter").count() == 0  # conv2 reads maps, not the image
        page.screenshot(path=ARTIFACTS / "lecture-unit-examples.png")
        assert in_viewport(page, inspector)  # beside the map: the panel still fits the projector
        blocking = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not blocking, "axe-core:\n" + violations_report(blocking)  # as tests/test_accessibility.py

        first = thumbs.first.get_attribute("aria-label")
        page.locator(f"{VIEW} .lv-big").click(position={"x": 2, "y": 2})  # row 0, column 0: a blank corner
        expect(inspector).to_contain_text("Row 0, column 0 sees")
        # The corner's own examples replace the strongest unit's (or a line saying it never fires).
        page.wait_for_function(_EXAMPLES_CHANGED, arg=first, timeout=20_000)

        # A locator's click: the view is drawn again as the server's close-up arrives, mid-click.
        page.locator(f"{VIEW} section[data-layer=conv1] canvas").click(position={"x": 4, "y": 4})
        expect(inspector).to_contain_text("conv1 · channel 0")
        expect(inspector.locator(".lv-filter span")).to_have_count(9, timeout=20_000)  # conv1: the filter itself
        expect(thumbs.first).to_have_js_property("width", 10)  # 10x10 crops around a 3x3 field
        row, column = map(int, re.search(r"Row (\d+), column (\d+) sees", inspector.inner_text()).groups())
        python = _python_block("conv1", 0, row, column)
        expect(thumbs).to_have_count(len(python["examples"]))
        assert _labels(thumbs) == _words(python["examples"])
        shown = inspector.locator(".lv-filter span").evaluate_all("t => t.length")
        assert shown == 9 and len(python["filter"]) == 3
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
        thumbs = inspector.locator(".lv-thumb canvas")
        python = _python_block("dense", strongest)
        expect(thumbs).to_have_count(len(python["examples"]))
        assert _labels(thumbs) == _words(python["examples"])
        assert all(thumbs.evaluate_all("t => t.map(c => c.width === 28)"))  # whole digits
        _drawn(page, thumbs, mnist_path, python["crop"])
        assert inspector.locator(".lv-field").count() == 0  # a dense unit sees the whole input
        expect(cells.nth(strongest)).to_have_class(re.compile("lv-chosen"))
        assert in_viewport(page, inspector)

        page.locator(f"{VIEW} .lv-prob").nth(3).click()  # the output for 3
        expect(inspector).to_contain_text("· the 3", timeout=20_000)
        expect(inspector).to_contain_text("The 3s it is surest of", timeout=20_000)
        python = _python_block("probabilities", 3)
        labels = _labels(inspector.locator(".lv-thumb canvas"))
        assert labels == _words(python["most"], "probability") + _words(python["least"], "probability")
        assert len(labels) == 18 and all(label.startswith("a 3 ") for label in labels)  # 9 surest, 9 least sure
        blocking = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not blocking, "axe-core:\n" + violations_report(blocking)
        page.get_by_role("button", name="Close the chosen unit").click()
        expect(inspector).to_have_count(0)
        assert page.errors == []
