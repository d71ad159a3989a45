"""The notebook's lessons on the page (AppTest, real models): dense net beside the convnet, the
shift map, and the training snapshots; and the page without any of them."""

import json
import time

import numpy as np
import pytest

from cnn.files.snapshots import snapshot_path_for
from cnn.net.shifts import shift_map
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import answer_markup, open_chapter, predictions, press_retrain, sidebar_text, start_app
from ui.chapters import COMPARE, FEATURE_MAPS


def metric(app, label):
    found = [m.value for m in app.main.metric if m.label == label]
    assert found, f"no {label!r} metric; metrics: {[m.label for m in app.main.metric]}"
    return found[0]


def charts(app):
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


@pytest.fixture
def dense_extractor():
    from cnn import DEFAULT_MLP_PATH
    from cnn.net.features import FeatureExtractor
    from cnn.net.network import load_network

    return FeatureExtractor(load_network(DEFAULT_MLP_PATH))


def test_both_networks_read_the_drawing_side_by_side(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)  # a 7
    app = start_app()
    # Under the Prediction, which the page draws from the stroke's piece (ui/server_reading.py).
    assert "The dense net (no convolutions) reads <strong>7</strong>" in answer_markup(app)
    assert not [m for m in app.main.metric if m.label == "Convnet reads"]  # another chapter is open
    open_chapter(app, COMPARE)  # the lesson is one tap away; the feature maps are the default
    assert metric(app, "Convnet reads").split()[0] == "7" == predictions(app)[0].split()[0]
    assert metric(app, "Dense net reads").split()[0] == "7"
    captions = " ".join(c.value for c in app.main.caption)
    assert "93,322 parameters" in captions and "407,050 parameters" in captions
    assert "The dense net (no convolutions) reads <strong>7</strong>" in answer_markup(app)
    compared = [
        str(e.proto.body)
        for e in app.get("html")
        if str(e.proto.body).startswith('<div class="prob-chart"><div class="prob-legend')
    ]
    assert len(compared) == 1 and compared[0].count('class="prob-bar"') == 20  # a pair of bars per digit
    assert "convnet" in compared[0] and "dense net" in compared[0]
    assert any("What the dense net looks for" in m.value for m in app.main.markdown)


def test_the_shift_map_shows_both_networks(canvas, model_copy, mnist, extractor, dense_extractor):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = start_app()
    open_chapter(app, COMPARE)
    app.toggle(key="show_shift_map").set_value(True).run()
    assert not app.exception
    titles = [spec["title"]["text"] for spec in charts(app) if "title" in spec]
    assert titles == ["Convnet", "Dense net"]
    sentence = [m.value for m in app.main.markdown if m.value.startswith("Moved up to 6 px")][0]
    image = app.session_state["last_input"]
    for name, net in (("convnet", extractor), ("dense net", dense_extractor)):
        moved = shift_map(net.classify, image)
        assert f"the {name} reads 7 at **{moved.tolerated} of 169** positions" in sentence
    assert any("one batch per network" in c.value for c in app.main.caption)
    tables = [t.value for t in app.main.dataframe]
    assert any(list(t.columns) == ["moved by", "convnet", "dense net"] and len(t) == 4 for t in tables)


def test_watch_it_learn_steps_from_noise_to_the_model_in_use(canvas, model_copy):
    app = start_app()  # no drawing needed: the snapshots follow the digit of their training
    slider = app.select_slider(key="learning_step_convnet")
    last = metric(app, "Accuracy so far")
    assert float(last.rstrip("%")) > 95
    slider.set_value(0).run()
    assert float(metric(app, "Accuracy so far").rstrip("%")) < 30
    assert any("before the first step" in str(i.proto) for i in app.get("image"))
    app.radio(key="learning_network").set_value("mlp").run()
    assert float(metric(app, "Accuracy so far").rstrip("%")) > 95  # its own slider, at its last step


def test_models_without_snapshots_or_dense_net_still_work(canvas, model_copy, mnist, monkeypatch, tmp_path):
    snapshot_path_for(model_copy).unlink()
    monkeypatch.setenv("CNN_MLP_PATH", str(tmp_path / "no-dense-net.keras"))
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = start_app()
    assert predictions(app)[0].split()[0] == "7"
    assert any("saved without training snapshots" in i.value for i in app.main.info)
    open_chapter(app, COMPARE)
    assert any("dense net is not available" in i.value for i in app.main.info)


@pytest.mark.slow
def test_retrain_the_dense_net_from_the_sidebar(canvas, model_copy, tiny_mnist, mnist, monkeypatch):
    import os

    dense_path = os.environ["CNN_MLP_PATH"]
    conv_card = model_copy.with_suffix(".json").read_text()
    canvas.drawing = draw_on_canvas(mnist.x_test[1, ..., 0], 0.5, left=60, top=40)  # a 2
    app = start_app()
    app.radio(key="retrain_arch").set_value("mlp")
    press_retrain(app, epochs=1)
    deadline = time.monotonic() + 120
    while "New model saved" not in sidebar_text(app):
        assert time.monotonic() < deadline, sidebar_text(app)
        time.sleep(0.5)
        app.run()
    card = json.loads(open(dense_path.replace(".keras", ".json")).read())
    assert card["config"]["arch"] == "mlp" and card["train_samples"] == 400
    assert model_copy.with_suffix(".json").read_text() == conv_card
    from cnn.files.snapshots import SnapshotHistory

    history = SnapshotHistory.load(snapshot_path_for(dense_path))
    assert np.abs(history.probe - app.session_state["last_input"]).max() <= 1 / 255  # followed the drawing


@pytest.mark.slow
def test_the_live_progress_shows_the_network_as_it_learns(canvas, model_copy, tiny_mnist, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = start_app()
    press_retrain(app, epochs=15, batch_size=32)
    deadline = time.monotonic() + 60
    while "the drawing reads as" not in sidebar_text(app):
        assert time.monotonic() < deadline, sidebar_text(app)
        time.sleep(0.3)
        app.run()
    text = sidebar_text(app)
    assert "Convnet, as it learns" in text and "right on 50 test digits" in text
    assert app.sidebar.get("image"), "the first layer's weights are shown"
    app.sidebar.button(key="cancel_training").click().run()
    deadline = time.monotonic() + 60
    while "cancelled" not in sidebar_text(app):
        assert time.monotonic() < deadline, sidebar_text(app)
        time.sleep(0.3)
        app.run()


def test_the_chosen_chapter_stays_through_clear_and_the_next_drawing(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = start_app()
    open_chapter(app, COMPARE)
    canvas.drawing = None  # Clear: no answer, no chapter picker on the page
    app.run()
    assert not predictions(app)
    canvas.drawing = draw_on_canvas(mnist.x_test[1, ..., 0], 0.5, left=60, top=40)  # the next digit
    app.run()
    assert app.radio(key="chapter").value == COMPARE
    assert metric(app, "Dense net reads")


def test_the_chosen_chapter_is_in_the_address_and_a_new_session_opens_it(canvas, model_copy, mnist):
    # A reload, a shared link, or a tab moved to another server process (a new session there).
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = start_app()
    assert app.query_params["chapter"] == "maps"
    open_chapter(app, COMPARE)
    assert app.query_params["chapter"] == "compare"
    fresh = start_app(query_params={"chapter": "compare"})
    assert fresh.radio(key="chapter").value == COMPARE and metric(fresh, "Dense net reads")
    unknown = start_app(query_params={"chapter": "no such chapter"})
    assert unknown.radio(key="chapter").value == FEATURE_MAPS
