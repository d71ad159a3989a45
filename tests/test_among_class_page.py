"""The chapter "Among 10,000 digits" on the page (AppTest): after a digit is drawn it shows the map
picture (a file served once per model version) with the drawing's dot, the nearest test digits,
the occlusion map, and on request the change that flips each network; without MNIST it says so."""

import base64
import json
import re

import numpy as np
import pytest

import ui.among_class
import ui.unit_examples
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import component_data, open_chapter, start_app
from ui.among_class import MAPS_FOLDER, digit_map_shelf
from ui.chapters import AMONG

MAP_PIECE = "digit_lens.digit_map"


@pytest.fixture
def ready_map(mnist_env, model_copy):
    """The server's map of the model under test made (as a running server has it seconds after
    the chapter is first opened)."""
    from cnn.net.network import load_network

    shelf = digit_map_shelf()
    state = shelf.wait(load_network(model_copy), model_copy, timeout=120)
    assert state.examples is not None, state.message
    return shelf, state.examples


def _html(app) -> str:
    return "\n".join(m.value for m in app.main.markdown)


def _map(app) -> dict | None:
    """What the map piece (static/js/digit_map.js) was sent last run, or None when it is not shown."""
    shown = [e for e in app.get("bidi_component") if e.proto.component_name == MAP_PIECE]
    return component_data(app, MAP_PIECE) if shown else None


def _dot_percent(app) -> tuple[float, float]:
    data = _map(app)
    return tuple(float(v) / data["size"] * 100 for v in (data["server"]["x"], data["server"]["y"]))


def test_the_chapter_shows_the_map_the_neighbours_the_occlusion_and_a_flip(canvas, mnist, ready_map):
    shelf, digit_map = ready_map
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)  # a 7
    app = start_app()
    open_chapter(app, AMONG)
    html, data = _html(app), _map(app)
    name = data["picture"].removeprefix("app/static/maps/")
    assert (MAPS_FOLDER / name).is_file() and shelf.key(digit_map_network(app)) in name
    numbers = MAPS_FOLDER / data["map"].removeprefix("app/static/maps/")
    assert json.loads(numbers.read_bytes())["count"] == len(digit_map.labels)  # the page's numbers, written
    # The 10,000 points travel in that file, fetched once per model version, never in a rerun's message.
    assert len(json.dumps(data)) < 10_000 and not any(isinstance(v, list) and len(v) >= 100 for v in data.values())
    sheets = MAPS_FOLDER / data["sheets"].removeprefix("app/static/maps/")
    assert len(list(sheets.glob("*.png"))) == 100  # the test digits for the hover, 100 to a picture
    assert data["live"] is True and data["layer"] == "dense" and data["server"]["digit"] == 7
    left, top = _dot_percent(app)
    assert 0 <= left <= 100 and 0 <= top <= 100
    # The editable input starts from exactly what the server read, with every Conv2D layer to draw.
    editor = component_data(app, "digit_lens.input_editor")
    server_input = np.frombuffer(base64.b64decode(editor["input"]), "<f4").reshape(28, 28)
    network = digit_map_network(app)
    assert network.predict(server_input)[0].argmax() == 7
    assert [layer["name"] for layer in editor["layers"]] == ["conv1", "conv2", "conv3"]
    assert editor["dense"] == "dense" and editor["weights"] == data["weights"]
    neighbours = re.findall(r'alt="a (\d), test digit (\d+)"', html)
    assert len(neighbours) == 8 and sum(d == "7" for d, _ in neighbours) >= 6  # a 7 among 7s
    assert any("nearest test digits" in m.value and "are 7s" in m.value for m in app.main.markdown)
    assert any("neighbour has its own label" in c.value and "84.7%" in c.value for c in app.main.caption)
    occlusion = [c.value for c in app.main.caption if "greyed out (set to background)" in c.value]
    assert occlusion and "A blank patch changes nothing" in occlusion[0]
    alts = [image.alt for element in app.main.get("image") for image in element.proto.imgs]
    assert any("heat map over it" in alt for alt in alts)

    app.selectbox(key="among_target").set_value(3).run()
    assert not any("reads a 3 (p =" in m.value for m in app.main.markdown)  # only when asked
    app.button(key="among_flip_button").click().run()
    assert not app.exception
    results = [m.value for m in app.main.markdown if "reads a 3 (p =" in m.value]
    assert len(results) == 2 and results[0].startswith("The convnet reads a 3 (p =")
    assert results[1].startswith("The dense net reads a 3 (p =")
    sizes = [c.value for c in app.main.caption if c.value.startswith("Before · change (red: ink added")]
    assert len(sizes) == 2 and all("L2" in s and "largest on one pixel" in s for s in sizes)
    kept = app.session_state["among_flip"]["flips"]
    network = digit_map_network(app)
    assert network.predict(kept[0].image).argmax() == 3  # read as 3 by the same network

    canvas.drawing = draw_on_canvas(mnist.x_test[1, ..., 0], 0.7, left=30, top=30)  # a stroke: another drawing
    app.run()
    assert not any("reads a 3 (p =" in m.value for m in app.main.markdown)  # that result was for the 7
    assert _dot_percent(app) != (left, top)  # the dot moved


def digit_map_network(app):
    from ui.resources import model_path, model_store

    return model_store(model_path()).current().network


def test_a_test_digit_lands_on_its_own_point_on_the_page(canvas, mnist, ready_map):
    shelf, digit_map = ready_map
    from display.digit_map import SIZE, MapFrame

    app = start_app()
    app.radio(key="input_source").set_value("MNIST test digit").run()
    index = app.session_state["gallery_index"]
    open_chapter(app, AMONG)
    left, top = _dot_percent(app)
    expected = np.clip(MapFrame.around(digit_map.points).pixel(digit_map.points[index]), 0, SIZE) / SIZE * 100
    assert (left, top) == pytest.approx(tuple(expected), abs=0.006)  # 2 decimals of a pixel
    data = _map(app)
    assert data["live"] is False and data["input"]  # a test digit: the page shows the server's dot, not the pen's
    assert re.findall(r'alt="a \d, test digit (\d+)"', _html(app))[0] == str(index)  # its nearest: itself


def test_without_mnist_the_chapter_says_so(canvas, mnist, model_copy, monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))
    ui.unit_examples._shelf.clear()
    ui.among_class._map_shelf.clear()
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    open_chapter(app, AMONG)
    assert any("MNIST is not on this server" in info.value for info in app.main.info)
    assert _map(app) is None
    assert any("What the 7 rests on" in m.value for m in app.main.markdown)  # the rest needs no MNIST
    ui.unit_examples._shelf.clear()
    ui.among_class._map_shelf.clear()


def test_while_the_map_is_made_the_chapter_says_so_and_shows_it_when_ready(canvas, mnist, mnist_env, model_copy):
    import threading

    from cnn.net.digit_map import build_digit_map

    ui.among_class._map_shelf.clear()
    release = threading.Event()
    shelf = digit_map_shelf()
    shelf._build = lambda *args: release.wait(60) and build_digit_map(*args)
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    open_chapter(app, AMONG)
    assert any("Placing the 10,000 test digits" in info.value for info in app.main.info)
    assert _map(app) is None
    assert any("What the 7 rests on" in m.value for m in app.main.markdown)  # the rest does not wait
    release.set()
    from ui.resources import model_path, model_store

    assert shelf.wait(model_store(model_path()).current().network, model_copy).examples is not None
    app.run()
    assert _map(app) is not None and not any("Placing" in info.value for info in app.main.info)
    ui.among_class._map_shelf.clear()
