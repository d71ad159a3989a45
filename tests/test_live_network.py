"""The whole network moving while the pen moves, in real Chromium: the lecture view's maps, dense
strip and softmax, and the detailed view's feature-map grids, all redrawn by the page itself
mid-stroke (the mouse button still down, so nothing has reached the server), and agreeing with
the server once the pen lifts."""

import re

import pytest
from playwright.sync_api import expect

from harness.browser import CANVAS, chromium, clear_canvas, draw_digit, open_page, stroke_points

pytestmark = pytest.mark.browser

HOST = "[data-testid='stBidiComponentIsolated']"
_LECTURE = f"""() => {{ const root = [...document.querySelectorAll("{HOST}")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector(".lv-root")).find(Boolean);
  if (!root) return null;
  const grid = root.querySelector("section[data-layer=conv2] canvas");
  const dense = [...root.querySelectorAll(".lv-unit")].map(c => c.style.background).join("|");
  return {{ state: root.dataset.state, digit: root.dataset.digit || "",
           shown: root.querySelector(".lv-digit")?.textContent || "",
           conv2: grid ? grid.toDataURL() : "", dense,
           probs: [...root.querySelectorAll(".lv-p")].map(p => p.textContent).join(" ") }}; }}"""
_GRIDS = f"""() => {{ const root = [...document.querySelectorAll("{HOST}")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector(".fg-root")).find(Boolean);
  return root ? {{ state: root.dataset.state || "",
                  grids: [...root.querySelectorAll(".fg-grid")].map(c => c.toDataURL()) }} : null; }}"""


def press_and_draw(page, digit: int, fraction: float = 1.0, **placement):
    """Press the mouse and draw `fraction` of `digit`'s first stroke; the button stays down."""
    box = page.locator(CANVAS).bounding_box()
    stroke = stroke_points(box, digit, placement.get("left", 0.2), placement.get("top", 0.15), 0.65)[0]
    stroke = stroke[: max(2, round(len(stroke) * fraction))]
    page.mouse.move(*stroke[0])
    page.mouse.down()
    for point in stroke[1:]:
        page.mouse.move(*point, steps=8)


def test_the_lecture_view_moves_while_the_pen_moves(app_url, playwright):
    with chromium(playwright, 1280, 720) as context:
        page = open_page(context, app_url + "/?view=lecture")
        page.wait_for_function(f"() => ({_LECTURE})()?.state", timeout=60_000)
        # The first stroke ever, button down: the server has read nothing, the page draws it all.
        press_and_draw(page, 1, left=0.1)
        page.wait_for_function(f"() => ({_LECTURE})()?.state === 'live' && ({_LECTURE})()?.conv2", timeout=5_000)
        one = page.evaluate(_LECTURE)
        page.mouse.up()
        page.wait_for_timeout(1500)  # the server's rerun lands; the view still shows the drawing
        clear_canvas(page)
        page.wait_for_timeout(800)
        press_and_draw(page, 7)
        page.wait_for_function(f"() => ({_LECTURE})()?.digit === '7'", timeout=5_000)
        seven = page.evaluate(_LECTURE)
        assert seven["shown"] == "7"
        # Every layer moved with the pen: another drawing, other maps, another dense strip and softmax.
        assert seven["conv2"] != one["conv2"] and seven["dense"] != one["dense"] and seven["probs"] != one["probs"]
        page.mouse.up()
        # Once the pen lifts, the server's reading arrives: the answer under the canvas agrees.
        expect(page.locator(".st-key-readout .sr-readout")).to_contain_text(re.compile(r"reads\W+7"), timeout=20_000)
        assert page.evaluate(_LECTURE)["digit"] == "7"
        assert not page.errors


def test_the_feature_maps_move_while_the_pen_moves(app_url, playwright):
    with chromium(playwright, 1280, 900) as context:
        page = open_page(context, app_url)
        draw_digit(page, 1, left=0.1)  # a first stroke, lifted: the server shows the maps' section
        page.wait_for_function(f"() => ({_GRIDS})()?.state === 'live'", timeout=30_000)
        before = page.evaluate(_GRIDS)["grids"]
        assert len(before) >= 3
        press_and_draw(page, 7, fraction=0.6, left=0.35)  # more ink, the button held down
        page.wait_for_function(
            f"() => {{ const g = ({_GRIDS})()?.grids || []; return g.length && g[0] !== {before[0]!r}; }}",
            timeout=5_000,
        )
        during = page.evaluate(_GRIDS)["grids"]
        assert all(a != b for a, b in zip(before, during, strict=True)), "every grid is redrawn from the new drawing"
        page.mouse.up()
        assert not page.errors


def test_a_test_digit_gets_its_maps_from_the_servers_input(app_url, playwright):
    # No canvas to follow: the page runs its network on exactly the 28 x 28 input the server read.
    with chromium(playwright, 1280, 900) as context:
        page = open_page(context, app_url)
        page.get_by_text("MNIST test digit").click()
        page.wait_for_function(f"() => ({_GRIDS})()?.state === 'live'", timeout=30_000)
        grids = page.evaluate(_GRIDS)["grids"]
        assert len(grids) >= 3 and len(set(grids)) == len(grids)
        blank = page.evaluate(
            "() => { const c = document.createElement('canvas'); c.width = c.height = 2; return c.toDataURL(); }"
        )
        assert blank not in grids
        assert not page.errors


@pytest.mark.parametrize("digit", [0, 2])
def test_the_lecture_view_and_the_server_agree_when_the_pen_lifts(app_url, playwright, digit):
    with chromium(playwright, 1280, 720) as context:
        page = open_page(context, app_url + "/?view=lecture")
        page.wait_for_function(f"() => ({_LECTURE})()?.state", timeout=60_000)
        draw_digit(page, digit)
        expect(page.locator(".st-key-readout .sr-readout")).to_contain_text(re.compile(r"reads\W+\d"), timeout=20_000)
        server = re.search(r"reads\W+(\d)", page.locator(".st-key-readout .sr-readout").inner_text()).group(1)
        assert page.evaluate(_LECTURE)["digit"] == server
