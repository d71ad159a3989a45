"""The page, headless (Streamlit's AppTest), with the real model and real Keras.

The drawing component only works inside a browser, so these tests put a stand-in module in its
place that returns a chosen drawing; the browser tests (test_browser.py) draw for real.
"""

import base64
import json
import re
import time

import numpy as np
import pytest

from cnn.net.browser_weights import read_browser_weights
from harness.browser import free_port
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import (
    answer_markup,
    component_data,
    feature_maps,
    messages_shown,
    predictions,
    press_retrain,
    sidebar_text,
    start_app,
)
from tests.support import REPO


def test_empty_canvas_shows_a_hint_and_no_prediction(canvas, model_copy):
    app = start_app()
    assert not predictions(app)
    assert "Draw one digit" in messages_shown(app)
    import json

    card = json.loads(model_copy.with_suffix(".json").read_text())
    assert app.sidebar.metric[0].label == "Test accuracy"
    assert app.sidebar.metric[0].value == f"{card['test_accuracy']:.2%}"


def test_a_real_mnist_digit_is_read_and_its_feature_maps_shown(canvas, model_copy, mnist, extractor):
    for index in (0, 1, 2):  # a 7, a 2 and a 1, drawn small and off-centre
        canvas.drawing = draw_on_canvas(mnist.x_test[index, ..., 0], 0.45, left=140, top=20)
        app = start_app()
        prediction = predictions(app)
        assert len(prediction) == 1
        assert prediction[0].split()[0] == str(mnist.y_test[index])
        headings = [layer["heading"] for layer in feature_maps(app)]
        assert [h.split(":")[0] for h in headings] == ["conv1", "conv2", "conv3"]  # pooling: off
        assert "conv1: Conv2D 3x3 + ReLU, 26 x 26 x 32" in headings
        assert "What the network sees" in [h.value for h in app.main.subheader]
    layers = feature_maps(app)
    shapes = [layer["shape"] for layer in layers]
    assert shapes == [list(extractor.shapes[name]) for name in ("conv1", "conv2", "conv3")]
    # No maps go to the browser: it runs the network itself, on the weights of this very model
    # and, until the pen moves, on exactly the input the server read.
    sent = component_data(app, "digit_lens.feature_grid")
    assert all("data" not in layer and "peaks" not in layer for layer in layers)
    assert sent["live"] is True and sent["input"] is None  # the canvas: the page follows the pen
    # The live reading carries the server's input, to tell when the server's answer is an older drawing's.
    live = component_data(app, "digit_lens.canvas_reading")
    image = np.frombuffer(base64.b64decode(live["input"]), "<f4").reshape(28, 28)
    np.testing.assert_array_equal(image, app.session_state["last_input"])
    weights = REPO / "static" / sent["weights"].removeprefix("app/static/")
    assert read_browser_weights(weights.read_bytes())[0]["layers"][0]["name"] == "conv1"


def test_a_test_digit_is_drawn_from_the_servers_input(canvas, model_copy):
    app = start_app()
    app.radio(key="input_source").set_value("MNIST test digit").run()
    sent = component_data(app, "digit_lens.feature_grid")
    assert sent["live"] is False and sent["input"]  # no canvas to follow


def test_pooling_layers_appear_when_asked(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.8, left=20, top=20)
    app = start_app()
    app.toggle(key="show_pooling").set_value(True).run()
    assert [layer["name"] for layer in feature_maps(app)] == ["conv1", "pool1", "conv2", "pool2", "conv3"]


def test_a_dot_is_not_a_digit(canvas, model_copy):
    drawing = np.zeros((280, 280, 4), np.uint8)
    drawing[..., 3] = 255
    drawing[100:108, 100:108, :3] = 255
    canvas.drawing = drawing
    app = start_app()
    assert not predictions(app)
    assert "Too little ink" in messages_shown(app)


def test_the_canvas_keeps_its_key_across_reruns(canvas, model_copy):
    # Clear happens in the browser (tests/test_canvas_input.py); a new key would be a new,
    # empty canvas that wipes whatever was drawn while it mounted.
    app = start_app()
    app.run()
    assert not app.exception
    assert len(canvas.keys) >= 2 and set(canvas.keys) == {"canvas"}


def test_model_card_and_layer_table_are_shown(canvas, model_copy):
    app = start_app()
    text = sidebar_text(app)
    assert "93,322 parameters" in text and "epochs" in text
    table = next(m.value for m in app.sidebar.markdown if 'class="compact-table"' in m.value)
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]]
    assert [row[0] for row in rows] == [
        "image",
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "conv3",
        "flatten",
        "dense",
        "probabilities",
    ]
    assert sum(int(row[3].replace(",", "")) for row in rows) == 93_322


def wait_for_sidebar(app, text, timeout=120):
    deadline = time.monotonic() + timeout
    while text not in sidebar_text(app):
        assert time.monotonic() < deadline, f"{text!r} not shown; sidebar says:\n{sidebar_text(app)}"
        time.sleep(0.5)
        app.run()
    return sidebar_text(app)


@pytest.mark.slow
def test_retrain_updates_the_model_card(canvas, model_copy, tiny_mnist):
    app = start_app()
    assert "on 60,000 images" in sidebar_text(app)
    weights_before = component_data(app, "digit_lens.canvas_reading")["weights"]
    app.selectbox(key="retrain_schedule").set_value("constant")
    press_retrain(app, epochs=2)
    wait_for_sidebar(app, "New model saved")
    text = wait_for_sidebar(app, "on 400 images")  # the card now describes the new model
    assert "for 2 epochs" in text
    # The page that runs the network itself is sent the new model's weights with the next run.
    weights_after = component_data(app, "digit_lens.canvas_reading")["weights"]
    assert weights_after != weights_before and (REPO / "static" / weights_after.removeprefix("app/static/")).is_file()
    card = model_copy.with_suffix(".json").read_text()
    saved = json.loads(card)
    assert saved["train_samples"] == 400 and saved["config"]["schedule"] == "constant"  # the form's choices


@pytest.mark.slow
def test_a_second_retrain_is_refused_and_cancel_keeps_the_old_model(canvas, model_copy, tiny_mnist):
    before = model_copy.read_bytes()
    first, second = start_app(), start_app()
    press_retrain(first, epochs=15, batch_size=32)
    assert first.sidebar.button(key="cancel_training")  # the live progress is showing
    press_retrain(second, epochs=1)
    refused = [w.value for w in second.sidebar.warning]
    assert any("already running" in w and "% done" in w for w in refused), refused
    first.sidebar.button(key="cancel_training").click().run()
    wait_for_sidebar(first, "cancelled")
    assert model_copy.read_bytes() == before


def test_retrain_with_the_lock_database_down_says_so_and_keeps_the_model(canvas, model_copy, monkeypatch):
    # DATABASE_URL names PostgreSQL, whose advisory lock says who trains across hosts; nothing
    # listens there: the press is refused in words, the page goes on, the model stays.
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/wall")
    before = model_copy.read_bytes()
    app = start_app()
    press_retrain(app, epochs=1)
    refused = [e.value for e in app.sidebar.error]
    assert any("Not started" in e and "database" in e for e in refused), refused
    assert not [b for b in app.sidebar.button if b.key == "cancel_training"]  # nothing is training
    assert model_copy.read_bytes() == before


def test_a_corrupt_model_file_says_so_and_offers_retraining(canvas, tmp_path, monkeypatch):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"this is not a model")
    monkeypatch.setenv("CNN_MODEL_PATH", str(broken))
    app = start_app()
    assert any("cannot load the model file" in e.value for e in app.main.error)
    assert any("Retrain" in i.value for i in app.main.info)
    assert [b for b in app.sidebar.button if b.label == "Retrain"]
    assert not predictions(app)


def _canvas(size=(280, 280), fill=0):
    drawing = np.full((*size, 4), fill, np.uint8)
    drawing[..., 3] = 255
    return drawing


def _scribble():
    drawing = _canvas()
    rng = np.random.default_rng(1)
    drawing[10:270, 10:270, :3] = (rng.random((260, 260, 1)) > 0.15) * 255
    return drawing


def _line():
    drawing = _canvas()
    drawing[135:145, 40:240, :3] = 255
    return drawing


def _other_size():
    drawing = _canvas((400, 300))
    drawing[80:320, 140:165, :3] = 255  # a "1" on a canvas of another size
    return drawing


def _dot():
    drawing = _canvas()
    drawing[140:146, 140:146, :3] = 255
    return drawing


# What each bad drawing must give: a message (and no prediction), or a prediction (of `digit`,
# where the drawing is one). An all-white canvas reads as white paper with no ink.
@pytest.mark.parametrize(
    ("name", "drawing", "message", "digit"),
    [
        ("nothing", None, "Draw one digit", None),
        ("one dot", _dot(), "Too little ink", None),
        ("a line", _line(), None, None),
        ("scribbled all over", _scribble(), "mostly ink", None),
        ("all ink", _canvas(fill=255), "Draw one digit", None),
        ("another size", _other_size(), None, 1),
    ],
)
def test_bad_drawings_get_an_answer_or_a_message_never_a_traceback(canvas, model_copy, name, drawing, message, digit):
    canvas.drawing = drawing
    app = start_app()  # asserts no exception
    messages = messages_shown(app)
    if message:
        assert message in messages and not predictions(app)
    else:
        prediction = predictions(app)
        assert len(prediction) == 1  # a line is no digit, but it is read and answered
        if digit is not None:
            assert prediction[0].split()[0] == str(digit)


def test_a_model_file_corrupted_while_the_page_runs_is_rejected(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    assert predictions(app)[0].startswith("7")
    broken = model_copy.with_name("incoming.keras")
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 3000)
    broken.replace(model_copy)
    app.run()
    assert not app.exception
    assert any("rejected" in w.value for w in app.main.warning)
    assert predictions(app)[0].startswith("7")  # still predicting with the last good model


def test_a_missing_model_file_at_start(canvas, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_MODEL_PATH", str(tmp_path / "nowhere.keras"))
    app = start_app()
    assert any("no model file" in e.value for e in app.main.error)
    app.run()  # a rerun does not crash or loop either
    assert not app.exception


def test_streamlit_does_not_reset_keras_after_each_run(canvas, model_copy, monkeypatch, mnist):
    # Streamlit would call keras.backend.clear_session() after every run: ~300 ms per stroke,
    # and a reset of Keras' state under a training running in the background.
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    app.run()
    assert predictions(app) and calls == []


@pytest.mark.parametrize("unsure", [True, False])
def test_unsure_answers_are_said_in_words(canvas, model_copy, extractor, mnist, unsure):
    from cnn.net.preprocess import preprocess

    seven, four = mnist.x_test[0, ..., 0], mnist.x_test[4, ..., 0]
    # A 7 and a 4 drawn over each other: the model hesitates between them.
    drawing = draw_on_canvas(np.maximum(seven, four) if unsure else seven, 0.7, left=30, top=30)
    confidence = extractor.run(preprocess(drawing).image).confidence
    assert (confidence < 0.7) == unsure, f"the drawing no longer makes the model {'un' if unsure else ''}sure"
    canvas.drawing = drawing
    app = start_app()
    warnings = [w.value for w in app.main.warning if w.value.startswith("Not sure")]
    warnings += re.findall(r'class="sr-unsure"[^>]*>(Not sure[^<]*)<', answer_markup(app))  # the page draws it
    assert bool(warnings) == unsure
