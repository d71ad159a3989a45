"""Lecture tools on the page: MNIST test digits and uploads as inputs, the first layer's filters,
downloadable feature-map grids."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from cnn.render import kernel_grid
from tests.test_app import canvas, main_metrics, model_copy, start_app  # noqa: F401 - fixtures


@pytest.fixture
def mnist_env(mnist_path, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))


def labelled(app) -> int:
    caption = next(c.value for c in app.main.caption if "labelled" in c.value)
    return int(re.search(r"labelled \*\*(\d)\*\*", caption).group(1))


def test_a_test_digit_of_a_chosen_class(canvas, model_copy, mnist_env):  # noqa: F811
    app = start_app()
    app.radio(key="input_source").set_value("MNIST test digit").run()
    app.selectbox(key="gallery_mode").set_value("a digit of my choice").run()
    app.selectbox(key="gallery_digit").set_value(3).run()
    assert not app.exception
    assert labelled(app) == 3
    assert main_metrics(app)[0].value.split()[0] == "3"
    first = app.session_state["gallery_index"]
    app.button(key="gallery_next").click().run()
    assert labelled(app) == 3  # another one, still of the chosen class
    assert app.session_state["gallery_index"] != first


def test_one_the_model_gets_wrong(canvas, model_copy, mnist_env):  # noqa: F811
    app = start_app()
    app.radio(key="input_source").set_value("MNIST test digit").run()
    app.selectbox(key="gallery_mode").set_value("one the model gets wrong").run()
    assert not app.exception
    assert main_metrics(app)[0].value.split()[0] != str(labelled(app))


def test_an_uploaded_photo_of_a_digit(canvas, model_copy, mnist):  # noqa: F811
    # A "photo": dark ink on grey paper, large, with a little noise.
    seven = (mnist.x_test[0, ..., 0] * 255).astype(np.uint8)
    ink = np.asarray(Image.fromarray(seven).resize((600, 600), Image.Resampling.BILINEAR), np.float32)
    paper = 200 - 0.8 * ink
    noisy = np.clip(paper + np.random.default_rng(0).normal(0, 6, (600, 600)), 0, 255)
    buffer = io.BytesIO()
    Image.fromarray(noisy.astype(np.uint8)).convert("RGB").save(buffer, "JPEG", quality=85)
    app = start_app()
    app.radio(key="input_source").set_value("Upload a picture").run()
    app.file_uploader(key="upload").set_value(("seven.jpg", buffer.getvalue(), "image/jpeg")).run()
    assert not app.exception
    assert main_metrics(app)[0].value.split()[0] == "7"


def test_a_broken_upload_gets_a_clear_message(canvas, model_copy):  # noqa: F811
    app = start_app()
    app.radio(key="input_source").set_value("Upload a picture").run()
    app.file_uploader(key="upload").set_value(("digit.png", b"\x89PNG\r\n\x1a\n broken", "image/png")).run()
    assert not app.exception
    assert any("cannot be used" in e.value for e in app.main.error)
    assert not main_metrics(app)


def test_filters_and_downloads_are_shown_with_the_maps(canvas, model_copy, mnist):  # noqa: F811
    from cnn.canvas_sim import draw_on_canvas

    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    captions = [caption for element in app.main.get("image") for caption in element.captions]
    assert any("32 learned 3x3 filters" in c for c in captions), captions
    labels = [b.label for b in app.main.get("download_button")]
    assert labels == [f"Download the {name} grid (PNG)" for name in ("conv1", "conv2", "conv3")]


def test_kernel_grid_colours_sign_and_size():
    kernels = np.zeros((3, 3, 1, 4), np.float32)
    kernels[0, 0, 0, 0] = 1.0  # strongest positive: the map's reddest colour
    kernels[0, 0, 0, 1] = -1.0  # strongest negative: its bluest
    grid = kernel_grid(kernels)
    from cnn.render import colour_table

    table = colour_table("RdBu_r")
    assert (grid == table[-1]).all(axis=2).any() and (grid == table[0]).all(axis=2).any()
    white = table[128]
    assert (np.abs(grid.astype(int) - white.astype(int)).sum(axis=2) < 10).sum() > 0
