"""The lesson page (issue 24), headless: every step renders on a drawn digit, its numbers come from
the project's own code and the shipped model, and the steps are in the address."""

import re

import numpy as np
import pytest

from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import start_app
from ui.lesson.by_hand import SEED_FILTER, SEED_IMAGE, pooling_patch, seed_feature
from ui.lesson.steps import STEPS

NOTEBOOK_FEATURE = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]  # the seed notebook's figure


def svg_numbers(markup: str) -> list[list[str]]:
    """The numbers written in each svg's cells, per svg, in reading order."""
    return [re.findall(r"<text [^>]*>([^<]*)</text>", svg) for svg in re.findall(r"<svg.*?</svg>", markup)]


def markdown(app) -> str:
    return "\n".join(str(m.value) for m in app.main.markdown)


def open_step(number: int, canvas=None):
    return start_app({"view": "lesson", "step": str(number)})


def test_the_worked_example_is_the_notebooks_by_the_networks_own_convolution():
    assert seed_feature().tolist() == NOTEBOOK_FEATURE
    assert SEED_IMAGE.tolist()[2] == [0, 0, 1, 1, 1] and SEED_FILTER.tolist() == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    # Another image and filter give another answer: the numbers are computed, not copied.
    flipped = SEED_IMAGE.copy()
    flipped[0, 0] = 0
    assert seed_feature(flipped)[0, 0] == 3 and seed_feature(flipped)[1:].tolist() == NOTEBOOK_FEATURE[1:]


def test_the_pooling_patch_lines_up_with_the_pooling_windows_and_holds_the_most():
    feature = np.zeros((26, 26))
    feature[9:13, 15:19] = 1.0  # a blob across windows: the best aligned patch is at (8|10, 14|16)
    row, column = pooling_patch(feature)
    assert row % 2 == 0 and column % 2 == 0
    assert feature[row : row + 4, column : column + 4].sum() == max(
        feature[r : r + 4, c : c + 4].sum() for r in range(0, 23, 2) for c in range(0, 23, 2)
    )


def test_every_step_renders_on_a_drawn_digit_and_says_where_it_is(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.6, left=50, top=40)
    app = start_app({"view": "lesson"})  # step 1: the canvas; the digit is kept for the others
    assert app.query_params["step"] == "1"
    canvas.drawing = None  # the canvas is not on the other steps: they use the kept digit
    for number, step in enumerate(STEPS, start=1):
        app.query_params["step"] = str(number)
        app.run()
        assert not app.exception, (number, app.exception)
        assert f"step {number} of {len(STEPS)}" in markdown(app) and step.title in markdown(app)
        assert not [i for i in app.main.info if "draw one on step 1" in i.value], number


def test_the_drawn_digit_is_shown_as_its_own_28_by_28_numbers(canvas, model_copy, mnist):
    from cnn.net.preprocess import preprocess

    canvas.drawing = draw_on_canvas(mnist.x_test[3, ..., 0], 0.6, left=50, top=40)
    app = open_step(1)
    [numbers] = [n for n in svg_numbers(markdown(app)) if len(n) == 784]
    expected = np.round(preprocess(canvas.drawing).image * 255).astype(int)
    assert [int(v) for v in numbers] == expected.ravel().tolist()
    assert "row 1, column 1: 0" in markdown(app)  # every pixel's value on hover


def test_the_5x5_example_fills_in_position_by_position(canvas, model_copy):
    app = open_step(2)
    image, kernel, feature = svg_numbers(markdown(app))[:3]
    assert image == [str(v) for v in SEED_IMAGE.ravel()] and kernel == [str(v) for v in SEED_FILTER.ravel()]
    assert feature == ["4"] + [""] * 8  # position 1: one value so far
    assert "1×1 + 1×0 + 1×1 + 0×0 + 1×1 + 1×0 + 0×1 + 0×0 + 1×1 = **4**" in markdown(app)
    app.slider(key="lesson_position").set_value(9).run()
    assert svg_numbers(markdown(app))[2] == [str(v) for row in NOTEBOOK_FEATURE for v in row]


def test_the_student_may_flip_pixels_of_the_image_and_the_filter(canvas, model_copy):
    app = open_step(2)
    app.toggle(key="lesson_edit").set_value(True).run()
    assert not app.exception
    app.slider(key="lesson_position").set_value(9).run()
    assert svg_numbers(markdown(app))[2] == [str(v) for row in NOTEBOOK_FEATURE for v in row]  # unchanged yet
    # The filter's centre switched off, in the editor (its edit state, as the browser sends it).
    app.session_state["lesson_filter_edit"] = {"edited_rows": {1: {"b": 0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception, app.exception
    # Every value drops by the image pixel under the filter's centre.
    centre = SEED_IMAGE[1:4, 1:4]
    expected = (np.array(NOTEBOOK_FEATURE) - centre).ravel().tolist()
    assert svg_numbers(markdown(app))[2] == [str(v) for v in expected]


def test_a_learned_filter_on_the_digit_gives_the_networks_own_map(canvas, model_copy, mnist, extractor):
    from cnn.net.preprocess import preprocess
    from cnn.net.reading import read

    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.6, left=50, top=40)
    app = open_step(1)
    app.query_params["step"] = "3"
    app.run()
    reading = read(extractor, preprocess(canvas.drawing))
    conv1 = reading.maps["conv1"]
    strongest = int(np.argmax(conv1.reshape(-1, 32).max(axis=0)))
    assert app.slider(key="lesson_filter").value == strongest + 1
    assert f"**{conv1[..., strongest].max():.2f}**" in markdown(app)  # the brightest point, worked out


def test_the_summary_is_read_from_the_shipped_model(canvas, model_copy, shipped_model):
    app = open_step(5)
    summary = [c.value for c in app.main.code if "Total params" in c.value][0]
    assert f"Total params: {shipped_model.count_params():,}" in summary and "93,322" in summary
    for layer in shipped_model.layers:
        if layer.count_params():
            assert re.search(rf"\({layer.__class__.__name__}\).*\s{layer.count_params():,}$", summary, re.M), layer.name
    assert "layers.Conv2D(32, (3, 3)" in [c.value for c in app.main.code][0]


def test_next_and_back_walk_the_steps_through_the_address(canvas, model_copy):
    app = open_step(1)
    assert app.button(key="lesson_back").disabled
    app.button(key="lesson_next").click().run()
    assert app.query_params["step"] == "2" and "step 2 of 9" in markdown(app)
    app.button(key="lesson_next").click().run()
    app.button(key="lesson_back").click().run()
    assert app.query_params["step"] == "2"
    app = open_step(9)
    assert app.button(key="lesson_next").disabled
    app = open_step(42)  # a step that does not exist: the last, and the address says so
    assert app.query_params["step"] == "9"


def test_the_digit_drawn_on_step_1_is_drawn_again_on_coming_back(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.6, left=50, top=40)
    canvas.strokes = {"objects": [{"type": "path", "path": [["M", 10, 10], ["L", 50, 60]]}]}
    app = open_step(1)
    assert canvas.initial_drawings[-1] is None  # nothing drawn before
    app.button(key="lesson_next").click().run()
    canvas.drawing = None  # a fresh canvas: nothing until the next stroke
    app.button(key="lesson_back").click().run()
    assert canvas.initial_drawings[-1] == canvas.strokes
    assert not [i for i in app.main.info if "Draw" in i.value]  # the kept digit, not the empty hint
    assert len([n for n in svg_numbers(markdown(app)) if len(n) == 784]) == 1


def test_without_a_digit_the_digit_steps_say_where_to_draw_it(canvas, model_copy):
    for number in (3, 4, 6):
        app = open_step(number)
        assert any("draw one on step 1" in i.value for i in app.main.info), number


def test_evaluation_prints_what_the_network_reads_on_the_test_set(
    canvas, model_copy, mnist_env, mnist, shipped_network
):
    app = open_step(8)
    app.button(key="lesson_evaluate").click().run(timeout=300)
    assert not app.exception, app.exception
    accuracy = float((shipped_network.predict(mnist.x_test).argmax(axis=1) == mnist.y_test).mean())
    printed = [c.value for c in app.main.code if "accuracy:" in c.value][0]
    assert printed.splitlines()[-1] == str(accuracy) and "313/313" in printed
    assert f"{round(accuracy * 10000):,} of the 10,000" in markdown(app)


def test_evaluate_agrees_with_keras(mnist, shipped_model, shipped_network):
    from cnn.net.evaluation import evaluate

    images, labels = mnist.x_test[:2000], mnist.y_test[:2000]
    import keras

    probabilities = shipped_model.predict(images, verbose=0, batch_size=500)
    keras_loss = float(keras.losses.CategoricalCrossentropy()(np.eye(10)[labels], probabilities))
    keras_accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
    loss, accuracy = evaluate(shipped_network, images[..., 0], labels)
    assert accuracy == pytest.approx(keras_accuracy, abs=1e-9)
    assert loss == pytest.approx(keras_loss, rel=1e-4)


def test_the_claim_compares_both_networks_on_the_digit_and_moved(canvas, model_copy, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.6, left=50, top=40)
    app = open_step(1)
    app.query_params["step"] = "9"
    app.run()
    text = markdown(app)
    assert "about 92%" in text and "about 99%" in text and "93,322 parameters" in text
    assert text.count("Moved 4 pixels right: reads") == 2
    assert "4.4x the convnet's parameters" in "\n".join(c.value for c in app.main.caption)


def test_training_without_mnist_replays_the_recorded_log(canvas, model_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "absent.npz"))
    app = open_step(7)
    assert not app.exception
    assert not [b for b in app.main.button if b.key == "lesson_train"]
    assert any("Replayed, not run" in c.value for c in app.main.caption)
    log = [c.value for c in app.main.code if "Epoch 1/" in c.value][0]
    assert re.search(r"^Epoch 2/2$", log, re.M) and "accuracy: 0.99" in log


def test_old_view_links_still_open_their_views(canvas, model_copy):
    from tests.apptest_support import component_data

    assert component_data(start_app({"view": "lecture"}), "digit_lens.lecture_view") is not None
    wall = start_app({"view": "wall"})
    shown = [str(t.value) for kind in ("title", "header", "subheader", "markdown") for t in getattr(wall.main, kind)]
    assert any("Class wall" in text for text in shown), shown


@pytest.mark.slow
def test_the_training_cell_trains_the_notebooks_recipe_for_real_with_a_keras_log(canvas, model_copy, tiny_mnist):
    import json
    import time

    app = open_step(7)
    app.button(key="lesson_train").click().run()
    assert not app.exception, app.exception
    deadline = time.monotonic() + 180
    while not app.main.success:
        assert time.monotonic() < deadline, [c.value for c in app.main.code]
        time.sleep(0.5)
        app.run()
    log = [c.value for c in app.main.code if "Epoch 1/5" in c.value][0]
    assert re.findall(r"^Epoch (\d)/5$", log, re.M) == ["1", "2", "3", "4", "5"]
    assert len(re.findall(r"^7/7 ━+ \d+s - accuracy: [\d.]+ - loss: [\d.]+$", log, re.M)) == 5  # 400 digits, batch 64
    saved = json.loads(model_copy.with_suffix(".json").read_text())  # the page now uses it, as after Retrain
    assert saved["config"] | {"seed": 0} == {**saved["config"], "epochs": 5, "batch_size": 64, "seed": 0}
    assert saved["config"]["schedule"] == "constant" and saved["train_samples"] == 400


def test_play_slides_the_filter_one_position_a_tick_and_stops_at_the_end(canvas, model_copy):
    app = open_step(2)
    app.slider(key="lesson_position").set_value(5).run()
    app.button(key="lesson_play").click().run()
    assert app.slider(key="lesson_position").value == 1  # from the start
    positions = []
    for _ in range(10):  # each run here stands for one tick of the fragment's timer
        app.run()
        assert not app.exception, app.exception
        positions.append(app.slider(key="lesson_position").value)
    assert positions[:8] == [2, 3, 4, 5, 6, 7, 8, 9] and positions[8:] == [9, 9]  # stopped at the last
    assert svg_numbers(markdown(app))[2] == [str(v) for row in NOTEBOOK_FEATURE for v in row]
