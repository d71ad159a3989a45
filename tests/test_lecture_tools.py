"""Lecture tools on the page: MNIST test digits and uploads as inputs, the first layer's filters,
downloadable feature-map grids."""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from display.render import kernel_grid
from tests.apptest_support import component_data, predictions, start_app


def labelled(app) -> int:
    caption = next(c.value for c in app.main.caption if "labelled" in c.value)
    return int(re.search(r"labelled \*\*(\d)\*\*", caption).group(1))


def test_a_test_digit_of_a_chosen_class(canvas, model_copy, mnist_env):
    app = start_app()
    app.radio(key="input_source").set_value("MNIST test digit").run()
    app.selectbox(key="gallery_mode").set_value("a digit of my choice").run()
    app.selectbox(key="gallery_digit").set_value(3).run()
    assert not app.exception
    assert labelled(app) == 3
    assert predictions(app)[0].split()[0] == "3"
    first = app.session_state["gallery_index"]
    app.button(key="gallery_next").click().run()
    assert labelled(app) == 3  # another one, still of the chosen class
    assert app.session_state["gallery_index"] != first


def test_one_the_model_gets_wrong(canvas, model_copy, mnist_env):
    app = start_app()
    app.radio(key="input_source").set_value("MNIST test digit").run()
    app.selectbox(key="gallery_mode").set_value("one the model gets wrong").run()
    assert not app.exception
    assert predictions(app)[0].split()[0] != str(labelled(app))


def test_an_uploaded_photo_of_a_digit(canvas, model_copy, mnist):
    # A "photo": dark ink on grey paper, large, with a little noise.
    seven = (mnist.x_test[0, ..., 0] * 255).astype(np.uint8)
    ink = np.asarray(Image.fromarray(seven).resize((600, 600), Image.Resampling.BILINEAR), np.float32)
    paper = 200 - 0.8 * ink
    noisy = np.clip(paper + np.random.default_rng(0).normal(0, 6, (600, 600)), 0, 255)
    buffer = io.BytesIO()
    Image.fromarray(noisy.astype(np.uint8)).convert("RGB").save(buffer, "JPEG", quality=85)
    app = start_app()
    app.radio(key="input_source").set_value("Upload a picture").run()
    assert any("Upload a picture of one digit" in i.value for i in app.main.info)  # not "draw"
    app.file_uploader(key="upload").set_value(("seven.jpg", buffer.getvalue(), "image/jpeg")).run()
    assert not app.exception
    assert predictions(app)[0].split()[0] == "7"


def test_a_broken_upload_gets_a_clear_message(canvas, model_copy):
    app = start_app()
    app.radio(key="input_source").set_value("Upload a picture").run()
    app.file_uploader(key="upload").set_value(("digit.png", b"\x89PNG\r\n\x1a\n broken", "image/png")).run()
    assert not app.exception
    assert any("cannot be used" in e.value for e in app.main.error)
    assert not predictions(app)


def test_filters_and_downloads_are_shown_with_the_maps(canvas, model_copy, mnist):
    from harness.canvas_sim import draw_on_canvas

    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    sent = component_data(app, "digit_lens.feature_grid")
    filters = sent["filters"]
    assert filters["after"] == "conv1" and "32 learned 3x3 filters" in filters["caption"]
    # The 288 weights themselves, on one diverging scale: the strongest weight at an end.
    kernels = np.frombuffer(base64.b64decode(filters["data"]), np.uint8).reshape(32, 3, 3)
    from cnn.net.network import load_network

    weights = load_network(model_copy).layer("conv1").kernel[:, :, 0, :].transpose(2, 0, 1)
    strongest = np.unravel_index(np.abs(weights).argmax(), weights.shape)
    assert kernels[strongest] == (255 if weights[strongest] > 0 else 0)
    limit = np.abs(weights).max()
    assert np.all(kernels[weights > 0.01 * limit] > 128) and np.all(kernels[weights < -0.01 * limit] < 127)
    # The downloads are made in the browser from the grids as drawn (tests/test_browser.py
    # saves one); no PNG is encoded on the server for them.
    assert not app.main.get("download_button")
    assert [layer["name"] for layer in sent["layers"]] == ["conv1", "conv2", "conv3"]


def test_kernel_grid_colours_sign_and_size():
    kernels = np.zeros((3, 3, 1, 4), np.float32)
    kernels[0, 0, 0, 0] = 1.0  # strongest positive: the map's reddest colour
    kernels[0, 0, 0, 1] = -1.0  # strongest negative: its bluest
    grid = kernel_grid(kernels)
    from display.render import colour_table

    table = colour_table("RdBu_r")
    assert (grid == table[-1]).all(axis=2).any() and (grid == table[0]).all(axis=2).any()
    white = table[128]
    assert (np.abs(grid.astype(int) - white.astype(int)).sum(axis=2) < 10).sum() > 0


def _drawn_seven(canvas, mnist):
    from harness.canvas_sim import draw_on_canvas

    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)


def test_why_this_answer_shows_a_saliency_overlay(canvas, model_copy, mnist):
    _drawn_seven(canvas, mnist)
    app = start_app()
    app.toggle(key="show_saliency").set_value(True).run()
    assert not app.exception
    assert app.selectbox(key="saliency_class").value == 7  # the predicted class by default
    captions = [c for element in app.main.get("image") for c in element.captions]
    assert any("probability of 7" in c for c in captions)
    app.selectbox(key="saliency_class").set_value(1).run()
    captions = [c for element in app.main.get("image") for c in element.captions]
    assert any("probability of 1" in c for c in captions)


@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3"])
def test_convolution_close_up_reproduces_the_feature_map(canvas, model_copy, mnist, extractor, layer):
    _drawn_seven(canvas, mnist)
    app = start_app()
    app.toggle(key="show_closeup").set_value(True).run()
    app.selectbox(key="closeup_layer").set_value(layer).run()
    app.number_input(key="closeup_channel").set_value(5).run()
    app.number_input(key="closeup_row").set_value(1).run()
    app.number_input(key="closeup_column").set_value(1).run()
    assert not app.exception
    sentence = next(m.value for m in app.main.markdown if "ReLU keeps" in m.value)
    shown = float(re.search(r"= \*\*([0-9.]+)\*\*, the value of", sentence).group(1))
    from cnn.net.preprocess import preprocess
    from harness.canvas_sim import draw_on_canvas

    image = preprocess(draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)).image
    expected = float(extractor.run(image).maps[layer][1, 1, 5])
    assert shown == pytest.approx(expected, abs=1e-3)


def test_training_report_confusion_matrix_and_mistakes_as_input(canvas, model_copy, mnist_env, mnist):
    app = start_app()
    app.toggle(key="show_report").set_value(True).run()
    assert not app.exception
    table = next(d.value for d in app.main.dataframe if "read 0" in d.value.columns)
    matrix = table[[f"read {d}" for d in range(10)]].to_numpy()
    assert matrix.sum() == 10_000 and np.trace(matrix) >= 9_900  # a ~99% model
    mistakes = [b for b in app.main.button if b.key and b.key.startswith("use_")]
    assert mistakes
    index = int(mistakes[0].key.removeprefix("use_"))
    true_digit, read_as = mistakes[0].label.split(" read as ")
    mistakes[0].click().run()
    assert not app.exception
    assert app.radio(key="input_source").value == "MNIST test digit"
    assert app.session_state["gallery_index"] == index and labelled(app) == int(true_digit)
    assert predictions(app)[0].split()[0] == read_as  # the page now shows that mistake


def test_convolution_close_up_opens_on_the_strongest_unit(canvas, model_copy, mnist, extractor):
    _drawn_seven(canvas, mnist)
    app = start_app()
    app.toggle(key="show_closeup").set_value(True).run()
    app.selectbox(key="closeup_layer").set_value("conv2").run()
    app.number_input(key="closeup_channel").set_value(5).run()
    from cnn.net.preprocess import preprocess
    from harness.canvas_sim import draw_on_canvas

    image = preprocess(draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)).image
    channel = extractor.run(image).maps["conv2"][..., 5]
    row, column = app.number_input(key="closeup_row").value, app.number_input(key="closeup_column").value
    assert channel[row, column] == channel.max() > 0  # not a blank patch
    app.number_input(key="closeup_row").set_value(0).run()  # a point chosen by hand stays
    assert app.number_input(key="closeup_row").value == 0


def test_the_close_up_reopens_on_the_strongest_unit_after_another_chapter(canvas, model_copy, mnist, extractor):
    from cnn.net.preprocess import preprocess
    from tests.apptest_support import open_chapter
    from ui.chapters import COMPARE, FEATURE_MAPS

    _drawn_seven(canvas, mnist)
    app = start_app()
    app.toggle(key="show_closeup").set_value(True).run()
    open_chapter(app, COMPARE)
    open_chapter(app, FEATURE_MAPS)
    app.toggle(key="show_closeup").set_value(True).run()
    image = preprocess(canvas.drawing).image
    channel = extractor.run(image).maps[app.selectbox(key="closeup_layer").value][..., 0]
    row, column = app.number_input(key="closeup_row").value, app.number_input(key="closeup_column").value
    assert channel[row, column] == channel.max() > 0  # the strongest unit, not row 0, column 0
