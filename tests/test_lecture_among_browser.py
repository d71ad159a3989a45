"""The lecture view's panels for the digit among the class, in a real browser at 1280x720: a hidden
unit's panel shows the map with the drawing's dot (moving while the pen is still down, test
digits shown under the keyboard's cursor) and the drawing's nearest test digits under it; the
answer's output shows what the answer rests on; another output finds the smallest change to it;
and the input, edited pixel by pixel in place, is read by every layer as the network (numpy,
from the model file) reads it."""

import base64
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from cnn.files.mnist import read_npz
from harness.browser import axe_violations, chromium, draw_digit, in_viewport, open_page, violations_report
from tests.support import REPO
from tests.test_live_network import press_and_draw

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"
VIEW = "[data-testid='stBidiComponentIsolated'] .lv-root"
_MAP = f"{VIEW} .dm-root"


def _dataset(page, selector: str) -> dict:
    return page.locator(selector).evaluate("r => ({ ...r.dataset })")


def _strongest_dense_unit(page) -> int:
    values = page.locator(f"{VIEW} .lv-unit").evaluate_all("c => c.map(u => Number(u.title.split(': ')[1]))")
    return max(range(len(values)), key=values.__getitem__)


def _blocking(page) -> list:
    return [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]


def _nearest_digits_are_shown(page, inspector, mnist) -> None:
    """Under the map, the 8 test digits nearest the drawing: each labelled with its own label and
    number, drawn from the sheets as MNIST has it, and wholly on screen (the panel clips its overflow)."""
    pictures = inspector.locator(".lv-neighbours canvas")
    expect(pictures).to_have_count(8, timeout=20_000)
    labels = pictures.evaluate_all("c => c.map(p => p.getAttribute('aria-label'))")
    found = [re.fullmatch(r"a (\d), test digit #(\d+)", label) for label in labels]
    assert all(found), labels
    indices = [int(f[2]) for f in found]
    assert len(set(indices)) == 8 and [int(f[1]) for f in found] == [int(mnist["y_test"][i]) for i in indices]
    expect(pictures.last).to_have_attribute("data-drawn", "1", timeout=10_000)
    shown = pictures.last.evaluate("c => [...c.getContext('2d').getImageData(0, 0, 28, 28).data]")
    shown = np.array(shown, np.uint8).reshape(28, 28, 4)[..., 0].astype(int)
    assert np.abs(shown - mnist["x_test"][indices[-1]].reshape(28, 28)).max() <= 2  # that test digit itself
    row, panel = inspector.locator(".lv-neighbours").bounding_box(), inspector.bounding_box()
    assert in_viewport(page, inspector.locator(".lv-neighbours"))
    assert row["y"] + row["height"] <= panel["y"] + panel["height"]  # not cut off by the panel


def test_the_panels_show_the_map_what_the_answer_rests_on_and_what_flips_it(playwright, app_url, mnist_path):
    ARTIFACTS.mkdir(exist_ok=True)
    mnist = read_npz(mnist_path)
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, f"{app_url}/?view=lecture")
        draw_digit(page, 7)
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("7", timeout=20_000)
        page.wait_for_timeout(500)  # the view fits itself to the window after drawing
        page.locator(f"{VIEW} .lv-unit").nth(_strongest_dense_unit(page)).click()
        inspector = page.locator(f"{VIEW} .lv-inspector")
        # The map is laid out in the background once per model version: the panel asks again until it is in.
        expect(page.locator(_MAP)).to_have_attribute("data-dot", re.compile(r"^[\d.]+,[\d.]+$"), timeout=60_000)
        picture = page.locator(f"{_MAP} .dm-picture")
        expect(picture).to_be_visible()
        assert picture.evaluate("i => i.complete && i.naturalWidth") == 420  # the chapter's own file
        assert _dataset(page, _MAP)["dotFrom"] == "page"
        _nearest_digits_are_shown(page, inspector, mnist)
        page.screenshot(path=ARTIFACTS / "lecture-hidden-unit-map.png")
        assert in_viewport(page, inspector)  # on the projector's one screen

        # Mid-stroke, the button still down (the server has not seen it): the dot moves.
        before = _dataset(page, _MAP)["dot"]
        press_and_draw(page, 1, fraction=0.6, left=0.05)
        expect(page.locator(_MAP)).not_to_have_attribute("data-dot", before, timeout=5_000)
        page.mouse.up()
        page.wait_for_timeout(1_000)  # the server's rerun of the new drawing

        # The keyboard: Tab to the map, the arrows move a cursor; the nearest test digit is shown.
        page.locator(f"{_MAP} .among-map").focus()
        for _ in range(12):
            page.keyboard.press("ArrowUp")
            if _dataset(page, _MAP).get("hovered"):
                break
            page.keyboard.press("ArrowLeft")
            if _dataset(page, _MAP).get("hovered"):
                break
        index = int(_dataset(page, _MAP)["hovered"])
        tip = page.locator(f"{_MAP} .dm-tip")
        expect(tip).to_contain_text(f"a {int(mnist['y_test'][index])}, test digit #{index}")
        painted = re.compile(f"#{index}(,|$)")  # the picture is in once its label is set
        expect(page.locator(f"{_MAP} .dm-digit")).to_have_attribute("aria-label", painted, timeout=5_000)
        shown = page.locator(f"{_MAP} .dm-digit").evaluate(
            "c => [...c.getContext('2d').getImageData(0, 0, 28, 28).data]"
        )
        shown = np.array(shown, np.uint8).reshape(28, 28, 4)[..., 0].astype(int)
        assert np.abs(shown - mnist["x_test"][index].reshape(28, 28)).max() <= 2  # the digit itself
        page.keyboard.press("Escape")
        expect(tip).to_be_hidden()

        # The answer's output: what the answer rests on, the server's occlusion map.
        digit = int(page.locator(f"{VIEW} .lv-digit").inner_text())
        page.locator(f"{VIEW} .lv-prob").nth(digit).click()
        expect(inspector).to_contain_text(f"What the {digit} rests on", timeout=20_000)
        occlusion = inspector.locator(".lv-occlusion img")
        expect(occlusion).to_have_js_property("complete", True)
        assert occlusion.evaluate("i => i.naturalWidth") > 0
        assert in_viewport(page, inspector)

        # Another output: the smallest change, found when asked, for both networks.
        other = 3 if digit != 3 else 8
        page.locator(f"{VIEW} .lv-prob").nth(other).click()
        expect(inspector).to_contain_text(f"The smallest change to a {other}")
        page.get_by_role("button", name=f"Find the smallest change to a {other}").click()
        expect(inspector).to_contain_text("The convnet", timeout=20_000)
        expect(inspector).to_contain_text("The dense net")
        expect(inspector.locator(".lv-flip img")).to_have_count(2)
        assert all(inspector.locator(".lv-flip img").evaluate_all("t => t.map(i => i.complete && i.naturalWidth > 0)"))
        page.screenshot(path=ARTIFACTS / "lecture-output-flip.png")
        assert in_viewport(page, inspector)
        blocking = _blocking(page)
        assert not blocking, "axe-core:\n" + violations_report(blocking)
        assert page.errors == []


def _layers_drawn(page) -> dict[str, str]:
    """Each layer's pictures in the view, as their pixels (PNG data URLs), by layer name."""
    return dict(
        page.locator(VIEW).evaluate(
            """root => [...root.querySelectorAll("section[data-layer]")].map(s =>
              [s.dataset.layer, [...s.querySelectorAll("canvas")].map(c => c.toDataURL()).join("|")])"""
        )
    )


def _dense_shown(page) -> np.ndarray:
    """The hidden Dense(64) layer's values as the view gives them (each unit's title, 3 decimals)."""
    titles = page.locator(f"{VIEW} .lv-unit").evaluate_all("c => c.map(u => u.title)")
    return np.array([float(title.split(": ")[1]) for title in titles])


def _edited(page) -> np.ndarray:
    return np.frombuffer(base64.b64decode(_dataset(page, VIEW)["editedImage"]), "<f4").reshape(28, 28)


def test_the_input_edited_in_place_is_read_by_every_layer(playwright, app_url):
    from cnn import DEFAULT_MODEL_PATH
    from cnn.net.network import load_network

    network = load_network(DEFAULT_MODEL_PATH)
    with chromium(playwright, width=1280, height=720) as context:
        page = open_page(context, f"{app_url}/?view=lecture")
        draw_digit(page, 1)
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("1", timeout=20_000)
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Edit pixels").click()
        expect(page.locator(VIEW)).to_have_attribute("data-edited", "0")
        drawn = _edited(page).copy()
        layers_before = _layers_drawn(page)

        # Drag the top bar of a 7 over the 1: every layer reads the edited input.
        box = page.locator(f"{VIEW} .lv-input").bounding_box()
        side = box["width"] / 28
        page.mouse.move(box["x"] + 7.5 * side, box["y"] + 5.5 * side)
        page.mouse.down()
        for column in range(8, 22):
            page.mouse.move(box["x"] + (column + 0.5) * side, box["y"] + 5.5 * side, steps=2)
        page.mouse.up()
        edited = _edited(page)
        assert (edited[5, 7:22] == 1).all()
        assert int(_dataset(page, VIEW)["edited"]) == int((edited != drawn).sum()) > 0
        expected = network.predict(edited)[0]
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text(str(int(expected.argmax())))
        shown = page.locator(f"{VIEW} .lv-p").evaluate_all("t => t.map(p => Number(p.textContent.slice(0, -1)))")
        assert np.abs(np.array(shown) - expected * 100).max() <= 0.51  # whole percents, as rounded
        # Every layer responds, and as the network does: each Conv2D and pooling layer's pictures
        # are new, and the 64 hidden units are numpy's own for the edited input.
        page.wait_for_timeout(300)  # the frame that redraws the view
        layers_after = _layers_drawn(page)
        assert {"conv1", "conv2", "conv3"} <= set(layers_after), layers_after.keys()
        pictured = [name for name, pixels in layers_before.items() if pixels]  # the dense strip and answer are text
        unchanged = [name for name in pictured if layers_after.get(name) == layers_before[name]]
        assert unchanged == [], f"layers not redrawn for the edited input: {unchanged}"
        dense = network.forward(edited[None])["dense"][0]
        assert np.abs(_dense_shown(page) - dense).max() <= 0.002, (_dense_shown(page), dense)
        assert page.locator(f"{VIEW} .lv-input.lv-editing").count() == 1

        # The keyboard on the focused input: Space flips the pixel under the cursor.
        page.locator(f"{VIEW} .lv-input").focus()
        before = _edited(page)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        flipped = _edited(page)
        assert (flipped != before).sum() == 1
        page.screenshot(path=ARTIFACTS / "lecture-edit-input.png")

        page.get_by_role("button", name="Back to the drawing").click()
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("1")
        expect(page.locator(VIEW)).to_have_attribute("data-edited", "0")
        assert "editedImage" not in _dataset(page, VIEW)

        # A new drawing ends the editing: the layers read the canvas again.
        page.get_by_role("button", name="Edit pixels").click()
        page.mouse.click(box["x"] + 2 * side, box["y"] + 2 * side)
        expect(page.locator(VIEW)).to_have_attribute("data-edited", "1")
        page.get_by_role("button", name="Clear").click()
        draw_digit(page, 7)
        expect(page.locator(f"{VIEW} .lv-digit")).to_have_text("7", timeout=20_000)
        expect(page.locator(VIEW)).to_have_attribute("data-edited", "0")
        expect(page.get_by_role("button", name="Edit pixels")).to_be_visible()
        expect(page.locator(".st-key-readout")).to_contain_text("reads 7", timeout=20_000)  # the server caught up
        blocking = _blocking(page)
        assert not blocking, "axe-core:\n" + violations_report(blocking)
        assert page.errors == []
