"""The lecture view's panels for a Dense unit, on the page (AppTest): the hidden layer's panel gets
the map's published files (the chapter's own) and the test digits nearest the drawing the server
read, the answer's output the occlusion map of that drawing, and another output the smallest
change, found only when asked, kept for that drawing, and gone after a new one."""

import base64
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.among_class
from cnn.net.digit_map import dense_activations
from cnn.net.flip import smallest_flip
from cnn.net.occlusion import occlusion_map
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import APP, component_data
from ui.among_class import MAPS_FOLDER, NEIGHBOURS, digit_map_shelf

LECTURE = "digit_lens.lecture_view"


@pytest.fixture
def ready_map(mnist_env, model_copy):
    from cnn.net.network import load_network

    state = digit_map_shelf().wait(load_network(model_copy), model_copy, timeout=120)
    assert state.examples is not None, state.message


def _models():
    from ui.resources import mlp_path, mlp_store, model_path, model_store

    return model_store(model_path()).current(), mlp_store(mlp_path()).current()


def _server_input(payload: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(payload["input"]), "<f4").reshape(28, 28)


def _lecture(canvas, drawing, unit: dict) -> AppTest:
    canvas.drawing = drawing
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["view"] = "lecture"
    app.session_state["lecture_unit"] = unit
    app.run()
    assert not app.exception
    return app


def test_the_hidden_units_panel_gets_the_map_and_the_answers_output_its_occlusion(canvas, mnist, ready_map):
    seven = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = _lecture(canvas, seven, {"layer": "dense", "channel": 5})
    source = component_data(app, LECTURE)["map"]
    assert source["size"] == 420 and source["alt"]
    for key in ("picture", "map"):
        assert (MAPS_FOLDER / source[key].removeprefix("app/static/maps/")).is_file()  # published, served
    sheets = MAPS_FOLDER / source["sheets"].removeprefix("app/static/maps/")
    assert len(list(sheets.glob("*.png"))) == 100  # the 10,000 test digits, 100 a sheet

    loaded, _ = _models()
    output = [layer.name for layer in loaded.layers if layer.kind == "Dense"][-1]
    payload = component_data(app, LECTURE)
    digit = payload["digit"]
    app.session_state["lecture_unit"] = {"layer": output, "channel": digit}
    app.run()
    payload = component_data(app, LECTURE)
    assert "map" not in payload and "flip" not in payload  # only what this panel shows
    occlusion = payload["occlusion"]
    assert occlusion["title"] == f"What the {digit} rests on"
    assert base64.b64decode(occlusion["picture"].removeprefix("data:image/png;base64,"))[:8] == b"\x89PNG\r\n\x1a\n"
    drops = occlusion_map(loaded.network, _server_input(payload), digit)
    if drops.max() >= 1e-3:
        assert f"the largest fall, {float(drops.max()):.3f}," in occlusion["caption"]  # of the drawing the server read
    else:
        assert "leaves p(" in occlusion["caption"]


def test_the_hidden_units_panel_lists_the_test_digits_nearest_the_drawing_the_server_read(canvas, mnist, ready_map):
    from ui.resources import model_path

    loaded, _ = _models()
    digit_map = digit_map_shelf().examples(loaded.network, model_path()).examples
    shown = []
    for drawn in (0, 1):  # two drawings: the list is each one's own
        drawing = draw_on_canvas(mnist.x_test[drawn, ..., 0], 0.5, left=60, top=40)
        payload = component_data(_lecture(canvas, drawing, {"layer": "dense", "channel": 5}), LECTURE)
        hidden, _ = dense_activations(loaded.network, _server_input(payload)[None])
        expected = digit_map.nearest(hidden[0], NEIGHBOURS)  # the detailed view's list, for the server's input
        nearest = payload["map"]["nearest"]
        assert [n["index"] for n in nearest] == expected.tolist()
        assert [n["digit"] for n in nearest] == mnist.y_test[expected].tolist()  # each one's own label
        shown.append(nearest)
    assert shown[0] != shown[1]
    assert payload["map"]["sheet"] == {"digits": 100, "columns": 10}  # how the sheets are cut into digits


def test_another_outputs_smallest_change_is_found_when_asked_and_kept_for_its_drawing(
    canvas, mnist, ready_map, monkeypatch
):
    loaded, dense = _models()
    output = [layer.name for layer in loaded.layers if layer.kind == "Dense"][-1]
    seven = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = _lecture(canvas, seven, {"layer": output, "channel": 3})
    payload = component_data(app, LECTURE)
    assert payload["digit"] == 7 and payload["flip"] == {"target": 3}  # nothing found before it is asked
    found = []
    monkeypatch.setattr(ui.among_class, "smallest_flip", lambda *a: found.append(a) or smallest_flip(*a))

    app.session_state["lecture_unit"] = {"layer": output, "channel": 3, "flip": 1}  # the panel's button
    app.run()
    results = component_data(app, LECTURE)["flip"]["results"]
    image = _server_input(payload)
    for result, model, name in zip(results, (loaded, dense), ("The convnet", "The dense net"), strict=True):
        flip = smallest_flip(model.network, image, 3)
        assert result["verdict"] == f"{name} reads a 3 (p = {flip.probabilities[3]:.2f})"
        assert f"L2 {flip.l2:.2f}" in result["size"] and result["picture"].startswith("data:image/png;base64,")
    assert len(found) == 2  # once per network

    app.run()  # another rerun (a click elsewhere): kept, not searched again
    assert component_data(app, LECTURE)["flip"]["results"] == results and len(found) == 2

    canvas.drawing = draw_on_canvas(mnist.x_test[1, ..., 0], 0.5, left=60, top=40)  # a new drawing
    app.run()
    assert component_data(app, LECTURE)["flip"] == {"target": 3} and len(found) == 2
    assert not re.search("reads a 3", str(component_data(app, LECTURE)))
