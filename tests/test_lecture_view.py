"""The lecture view, headless (AppTest): every layer reaches the browser component, a chosen
unit gets its close-up, and the view is one click (or one URL) away."""

import base64

import numpy as np
from streamlit.testing.v1 import AppTest

from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import APP, component_data, predictions
from tests.support import REPO

LECTURE = "digit_lens.lecture_view"


def start_lecture() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["view"] = "lecture"
    app.run()
    assert not app.exception, app.exception
    return app


def test_nothing_drawn_shows_a_hint_and_a_view_ready_to_read_the_pen(canvas, model_copy):
    app = start_lecture()
    payload = component_data(app, LECTURE)
    # The model's part only: the page reads the first stroke itself, before the server has any.
    assert payload["input"] is None and "digit" not in payload and payload["live"] is True
    assert [layer["name"] for layer in payload["layers"]] == ["conv1", "pool1", "conv2", "pool2", "conv3"]
    assert "Draw one digit" in payload["readout"]  # drawn under the canvas by the page (ui/server_reading.py)


def test_every_layer_dense_and_softmax_reach_the_view(canvas, model_copy, mnist, extractor, shipped_model):
    digit = mnist.x_test[0, ..., 0]
    canvas.drawing = draw_on_canvas(digit, 0.5, left=60, top=40)
    app = start_lecture()
    payload = component_data(app, LECTURE)
    assert [layer["name"] for layer in payload["layers"]] == ["conv1", "pool1", "conv2", "pool2", "conv3"]
    assert [layer["shape"] for layer in payload["layers"]] == [list(extractor.shapes[n]) for n in extractor.layer_names]
    assert payload["dense"]["shape"] == [64] and payload["output"]["shape"] == [10]
    assert payload["digit"] == int(mnist.y_test[0])
    # No maps: the page computes them with the network it runs (static/js/net/lecture_payload.js,
    # held to display/lecture.py by node's tests), from this input until the pen moves.
    assert all("data" not in layer for layer in payload["layers"]) and "values" not in payload["dense"]
    image = np.frombuffer(base64.b64decode(payload["input"]), "<f4").reshape(28, 28)
    assert extractor.run(image).digit == payload["digit"]
    assert (REPO / "static" / payload["weights"].removeprefix("app/static/")).is_file()
    assert payload["parameters"] == shipped_model.count_params()
    assert not predictions(app)  # the detailed view's sections are not drawn underneath
    # The readout under the canvas rides in the view's piece, for the page to draw (ui/server_reading.py);
    # and the notebook's comparison, one line under it: what the dense net reads.
    assert f"The network reads <strong>{payload['digit']}</strong>" in payload["readout"]
    assert f"The dense net (no convolutions) reads <strong>{payload['digit']}</strong>" in payload["readout"]
    assert not [e for e in [*app.main.markdown, *app.main.caption] if "reads" in e.value]  # no elements of their own


def test_a_chosen_unit_gets_its_closeup_at_its_strongest_point(canvas, model_copy, mnist, extractor):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = start_lecture()
    app.session_state["lecture_unit"] = {"layer": "conv2", "channel": 5}  # what a click on a map sends
    app.run()
    payload = component_data(app, LECTURE)
    selected, closeup = payload["selected"], payload["closeup"]
    assert selected["layer"] == "conv2" and selected["channel"] == 5
    image = np.frombuffer(base64.b64decode(payload["input"]), "<f4").reshape(28, 28)
    channel = extractor.run(image).maps["conv2"][..., 5]
    assert channel[selected["row"], selected["column"]] == channel.max()
    assert closeup["layer"] == "conv2" and closeup["kind"] == "conv" and len(closeup["strongest"]) == 6
    assert closeup["output"] == closeup["value"] > 0

    app.session_state["lecture_unit"] = {"layer": "conv1", "channel": 0, "row": 3, "column": 4}  # a position click
    app.run()
    closeup = component_data(app, LECTURE)["closeup"]
    assert (closeup["row"], closeup["column"]) == (3, 4) and np.shape(closeup["patch"]) == (3, 3)


def test_a_unit_from_an_older_model_is_ignored(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = start_lecture()
    app.session_state["lecture_unit"] = {"layer": "conv9", "channel": 500}
    app.run()
    assert not app.exception
    assert "closeup" not in component_data(app, LECTURE)


def test_one_click_switches_views_through_the_url(canvas, model_copy):
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.button(key="to_lecture_view").click().run()
    assert app.query_params["view"] == "lecture"
    assert component_data(app, LECTURE)["input"] is None  # the lecture view, nothing drawn yet
    app.button(key="to_detailed_view").click().run()
    assert "view" not in app.query_params
    assert not app.exception
