"""The real page in a real browser: Debian's Chromium driven by Playwright, drawing with the mouse.

In CI a missing browser is a failure, not a skip: .ci/run installs Chromium.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.browser import (
    chromium,
    clear_canvas,
    draw_digit,
    elements_sent,
    frames_received,
    open_page,
    prediction_shown,
    running_app,
    tensorflow_loaded,
)
from tests.support import REPO

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"

# (digit, left, top, size): anywhere on the canvas, big and small.
DRAWINGS = [
    (7, 0.2, 0.15, 0.65),
    (1, 0.05, 0.05, 0.4),
    (0, 0.45, 0.4, 0.5),
    (4, 0.1, 0.3, 0.6),
    (2, 0.3, 0.05, 0.45),
]


@pytest.fixture(scope="module")
def page(playwright, app_url):
    with chromium(playwright) as context:
        yield open_page(context, app_url)


# The largest difference, in 0-255 steps, between the server's 28 x 28 input as the page draws it
# (ui/server_reading.py) and the live reading's under the canvas (a shadow root's canvas).
_INPUTS_APART = """() => {
  const pixels = (canvas) => canvas.getContext("2d").getImageData(0, 0, 28, 28).data;
  const host = [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
    .find((h) => h.shadowRoot && h.shadowRoot.querySelector(".lr-input"));
  const live = pixels(host.shadowRoot.querySelector(".lr-input"));
  const served = pixels(document.querySelector(".sr-root[data-part=input] canvas.sr-input"));
  let apart = 0;
  for (let i = 0; i < live.length; i += 4) apart = Math.max(apart, Math.abs(live[i] - served[i]));
  return apart;
}"""


def prediction(page):
    return prediction_shown(page)


def test_drawing_digits_anywhere_gives_the_right_prediction(page):
    ARTIFACTS.mkdir(exist_ok=True)
    expect(page.get_by_text("Draw one digit")).to_be_visible()
    expect(prediction(page)).to_have_count(0)  # nothing drawn: nothing labelled Prediction
    for digit, left, top, size in DRAWINGS:
        draw_digit(page, digit, left, top, size)
        expect(prediction(page)).to_contain_text(re.compile(rf"Prediction\s*{digit}\s*\("), timeout=20_000)
        expect(page.get_by_text("conv3: Conv2D")).to_be_visible()
        page.screenshot(path=ARTIFACTS / f"browser-digit-{digit}.png")
        clear_canvas(page)
        expect(prediction(page)).to_have_count(0)
    assert page.errors == []


def test_feature_maps_and_sidebar_are_on_the_page(page):
    draw_digit(page, 7)
    expect(prediction(page)).to_contain_text("7", timeout=20_000)
    for name in ("conv1", "conv2", "conv3"):
        expect(page.get_by_role("heading", name=re.compile(rf"^{name}: "))).to_be_visible()
    # The grids are drawn in the browser; a click enlarges a channel there, without a rerun.
    grid = page.locator("[data-testid='stBidiComponentIsolated'] .fg-grid").nth(1)  # conv2: 8 x 8 tiles
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)  # column 2, row 3
    caption = page.locator("[data-testid='stBidiComponentIsolated'] .fg-zoom figcaption").nth(1)
    expect(caption).to_contain_text(re.compile(r"conv2 channel 26, strongest response \d"))
    with page.expect_download() as saving:  # the grid as drawn, saved by the browser
        page.get_by_role("button", name="Download the conv2 grid (PNG)").click()
    saved = saving.value
    assert saved.suggested_filename == "conv2.png"
    assert Path(saved.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    expect(page.locator("[data-testid='stBidiComponentIsolated'] .fg-filters canvas")).to_have_count(1)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Test accuracy")
    expect(sidebar.get_by_role("button", name="Retrain")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=ARTIFACTS / "browser-1280x720.png")
    assert page.errors == []


def test_a_stroke_reruns_the_canvas_and_what_the_server_reads_but_not_the_rest(playwright, app_url):
    # app.py pen_ui: the headings, the switches, the chapter and the grids the page draws itself
    # are made once; a stroke's run sends only what depends on the drawing, and that follows it.
    with chromium(playwright) as context:
        frames = frames_received(context)
        page = open_page(context, app_url)
        main = page.get_by_test_id("stMainBlockContainer")
        grids = page.locator("[data-testid='stBidiComponentIsolated'] .fg-root")
        expect(grids).to_have_attribute("data-state", "empty")  # mounted before the first stroke, hidden
        expect(grids.locator(".fg-empty")).to_contain_text("Each layer's maps appear here")
        expect(main.get_by_text("The 28 x 28 input appears here once you draw.")).to_be_visible()
        idle = page.get_by_test_id("stApp")
        for switch in ("Show how one value of a feature map is computed", "Why this answer?"):
            page.get_by_text(switch).click()
            page.wait_for_timeout(300)
            expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
        frames.clear()
        draw_digit(page, 7)
        expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*7\s*\("), timeout=20_000)
        sums = main.get_by_text(re.compile(r"^Sum of the products"))
        expect(sums).to_be_visible()
        seven = sums.inner_text()
        why = main.get_by_text(re.compile(r"^Bright: pixels"))
        expect(why).to_contain_text("probability of 7")
        expect(grids).to_have_attribute("data-state", "live")
        expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
        sent = elements_sent(frames)
        kinds = {element.split(":")[0] for element in sent}
        assert {"imgs", "dataframe"} <= kinds, sent  # saliency's picture, the close-up
        # Made once, not per stroke: and the Prediction, the input and the send row are drawn by
        # the page from the stroke's piece (ui/server_reading.py, ui/send.py), no metric, caption,
        # html or widget of their own.
        assert not kinds & {"heading", "checkbox", "radio", "slider", "metric", "button_group", "button"}, sent
        # The input the page draws from the piece is the server's: the same as the live reading's
        # own, computed in the page from the canvas (within the two preprocessings' 1/255).
        expect(page.locator("html")).to_have_attribute("data-server-answer", "current")
        assert page.evaluate(_INPUTS_APART) <= 2, "the page's picture of the server's input is another drawing's"
        drawn_by_the_page = ("prob-chart", "sr-root", "The network reads", "28 x 28 input", "class wall")
        assert not [element for element in sent if any(words in element for words in drawn_by_the_page)], sent
        pieces = {element for element in sent if element.startswith("bidi_component")}
        canvas = "bidi_component: streamlit-drawable-canvas.streamlit_drawable_canvas"
        assert pieces == {canvas, "bidi_component: digit_lens.canvas_reading"}, pieces  # no feature grid

        clear_canvas(page)
        expect(prediction(page)).to_have_count(0)
        expect(main.get_by_text("The 28 x 28 input appears here once you draw.")).to_be_visible()
        expect(sums).to_have_count(0)
        expect(grids).to_have_attribute("data-state", "empty")  # not the 7 that is gone
        draw_digit(page, 1)
        expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*1\s*\("), timeout=20_000)
        expect(sums).not_to_have_text(seven)  # the close-up follows the new drawing
        expect(why).to_contain_text("probability of 1")
        expect(grids).to_have_attribute("data-state", "live")
        assert page.errors == []


def test_both_networks_read_the_drawing_and_the_shift_map_opens(page):
    clear_canvas(page)
    draw_digit(page, 7)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*7\s*\("), timeout=20_000)
    page.get_by_text("Dense net vs convnet", exact=True).click()  # the chapter under the answer
    for label in ("Convnet reads", "Dense net reads"):
        expect(main.get_by_test_id("stMetric").filter(has_text=label)).to_contain_text(re.compile(r"reads\s*7\s*\("))
    expect(main.get_by_text("407,050 parameters")).to_be_visible()
    page.get_by_text("Map it:", exact=False).click()
    sentence = main.get_by_text(re.compile(r"^Moved up to 6 px in any direction"))
    expect(sentence).to_contain_text(re.compile(r"the convnet reads 7 at \d+ of 169 positions"), timeout=20_000)
    expect(sentence).to_contain_text(re.compile(r"the dense net reads 7 at \d+ of 169 positions"))
    expect(main.locator(".prob-chart .prob-pair .prob-bar")).to_have_count(20)  # both networks, every digit
    maps = main.locator("[data-testid='stVegaLiteChart']").filter(has=page.locator("canvas, svg"))
    expect(maps.nth(1)).to_be_visible()  # the two shift maps
    sentence.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "browser-shift-map.png")
    assert page.errors == []


@pytest.mark.slow
def test_retrain_from_the_sidebar_while_drawing(tmp_path, playwright):
    import numpy as np

    from tests.support import copy_shipped_model, make_mnist_arrays

    model = copy_shipped_model(tmp_path)
    data = tmp_path / "mnist.npz"
    np.savez(data, **make_mnist_arrays(train=8000, test=100))
    env = {"CNN_MODEL_PATH": str(model), "MNIST_NPZ": str(data)}
    with running_app(env) as url, chromium(playwright) as context:
        page = open_page(context, url)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("button", name="Retrain").click()
        expect(sidebar.get_by_text(re.compile(r"Training: epoch \d of 2"))).to_be_visible(timeout=30_000)
        draw_digit(page, 7)  # the page stays usable while the model trains
        expect(prediction(page)).to_contain_text("Prediction", timeout=20_000)
        page.screenshot(path=ARTIFACTS / "browser-retraining.png")
        expect(sidebar.get_by_text("New model saved")).to_be_visible(timeout=180_000)
        expect(sidebar).to_contain_text("on 8,000 images")
        clear_canvas(page)
        expect(prediction(page)).to_have_count(0)
        draw_digit(page, 1)  # read by the new model (trained on synthetic digits: any answer)
        expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*\d"), timeout=20_000)
        # The server answered every stroke and trained without ever loading TensorFlow itself:
        # the page runs the network in numpy and the training ran in a child process.
        assert not tensorflow_loaded(url.pid)
        assert page.errors == []
