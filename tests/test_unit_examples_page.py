"""The test digits that excite a unit, on the page (AppTest): the detailed view's close-up shows
them for a map unit, a Dense unit and a digit; the lecture view's panel gets them with its data;
no MNIST on the server is said in words; and a new drawing never searches again."""

import shutil

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.unit_examples
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import APP, component_data, start_app
from ui.unit_examples import EXAMPLES_FOLDER, unit_example_shelf

LECTURE = "digit_lens.lecture_view"


@pytest.fixture
def ready_examples(mnist_env, model_copy):
    """The server's shelf with the examples of the model under test found (as a running server
    has them seconds after its first page)."""
    from cnn.net.network import load_network

    shelf = unit_example_shelf()
    state = shelf.wait(load_network(model_copy), model_copy, timeout=120)
    assert state.examples is not None, state.message
    return shelf, state.examples


def _pictures(app):
    """The caption under every picture of digits the close-up shows (their digits, in words)."""
    return [c.value for c in app.main.caption if "strongest first" in c.value]


def _open_closeup(app, layer: str) -> None:
    app.toggle(key="show_closeup").set_value(True).run()
    app.selectbox(key="closeup_layer").set_value(layer).run()


def test_the_detailed_close_up_shows_what_excites_the_unit(canvas, mnist, ready_examples):
    shelf, examples = ready_examples
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    _open_closeup(app, "conv2")
    app.number_input(key="closeup_channel").set_value(5).run()
    row, column = app.number_input(key="closeup_row").value, app.number_input(key="closeup_column").value
    assert not app.exception
    titles = [m.value for m in app.main.markdown if "excite" in m.value]
    unit = f"conv2 channel 5 at row {row}, column {column}"
    assert titles == [f"**The 9 test digits (of 10,000) that excite {unit} most**"]
    digits = [int(shelf.test_set.labels[i]) for i in examples.indices["conv2"][row, column, 5]]
    [caption] = _pictures(app)
    assert caption.startswith("Each cropped around what the unit sees, the receptive field outlined in red")
    assert caption.count("a ") >= 9 and [int(d) for d in _digits_in(caption)] == digits
    alts = [image.alt for element in app.main.get("image") for image in element.proto.imgs]
    assert f"that excite {unit} most: a {digits[0]} (" in " ".join(alts)  # a screen reader hears them too

    _open_closeup(app, "dense")
    app.number_input(key="closeup_unit").set_value(3).run()
    assert any("excite dense unit 3 most" in m.value for m in app.main.markdown)
    _open_closeup(app, "probabilities")
    app.number_input(key="closeup_unit").set_value(4).run()
    titles = [m.value for m in app.main.markdown if "The test 4s" in m.value]
    assert len(titles) == 2 and "surest" in titles[0] and "least sure" in titles[1]
    assert len(_pictures(app)) == 2 and set(_digits_in(" ".join(_pictures(app)))) == {"4"}


def _digits_in(caption: str) -> list[str]:
    """'..., strongest first: a 7 (0.61), a 1 (0.58).' -> ['7', '1']"""
    listed = caption.split("strongest first: ", 1)[1]
    return [part.strip().split()[1] for part in listed.rstrip(".").split("), ") if part.strip()]


def _unit_file(payload: dict, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, indices, labels) of one of the page's files (cnn/serving/example_files.py), as served."""
    data = (EXAMPLES_FOLDER / payload["unitDigits"]["folder"].removeprefix("app/static/examples/") / name).read_bytes()
    count = len(data) // 7
    values = np.frombuffer(data, "<f4", count)
    return values, np.frombuffer(data, "<u2", count, count * 4), np.frombuffer(data, np.uint8, count, count * 6)


def test_the_lecture_view_gets_where_the_page_finds_every_units_test_digits(canvas, mnist, ready_examples):
    shelf, examples = ready_examples
    # Written from this shelf's search (an earlier test's search of the same model may differ in a
    # float's last bit, and the first files written for a model version are kept).
    shutil.rmtree(EXAMPLES_FOLDER, ignore_errors=True)
    ui.unit_examples._addresses.clear()
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["view"] = "lecture"
    app.run()  # no unit open yet: the page has the files' address before the first click
    assert not app.exception
    payload = component_data(app, LECTURE)
    assert "examples" not in payload and payload["unitDigits"]["searched"] == examples.images
    sheets = payload["unitDigits"]["sheets"]
    sheets_folder = EXAMPLES_FOLDER.parent / "maps" / sheets["folder"].removeprefix("app/static/maps/")
    assert (sheets_folder / "0.png").is_file() and sheets["layout"] == {"digits": 100, "columns": 10}
    labels = shelf.test_set.labels

    values, indices, digits = _unit_file(payload, "conv1-3.bin")  # 26 x 26 positions x 9, row by row
    assert (indices.reshape(26, 26, 9) == examples.indices["conv1"][:, :, 3]).all()
    assert (values.reshape(26, 26, 9) == examples.values["conv1"][:, :, 3]).all()
    assert (digits == labels[indices]).all()
    values, indices, _ = _unit_file(payload, "dense-12.bin")
    assert (indices == examples.indices["dense"][12]).all() and (values == examples.values["dense"][12]).all()
    values, indices, digits = _unit_file(payload, "classes.bin")  # 10 x (most, least) x 9
    most = examples.most_convincing
    assert (indices.reshape(10, 2, 9)[:, 0] == np.where(most >= 0, most, 0xFFFF)).all()
    assert (values.reshape(10, 2, 9) == examples.convincing_values).all()
    assert (digits.reshape(10, 2, 9)[7, 0] == 7).all()  # the surest 7s are 7s

    app.session_state["lecture_unit"] = {"layer": "conv1", "channel": 3, "row": 12, "column": 14}
    app.run()
    payload = component_data(app, LECTURE)
    assert payload["selected"] == {"layer": "conv1", "channel": 3, "row": 12, "column": 14}
    assert "examples" not in payload and payload["closeup"]  # the digits are the page's; the numbers the server's


def test_the_lecture_views_dense_and_output_panels_are_sent_the_unit(canvas, mnist, ready_examples):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["view"] = "lecture"
    app.session_state["lecture_unit"] = {"layer": "dense", "channel": 12}
    app.run()
    assert not app.exception
    payload = component_data(app, LECTURE)
    assert payload["selected"] == {"layer": "dense", "channel": 12, "row": None, "column": None}
    assert "closeup" not in payload  # a dense unit has no map to take apart

    app.session_state["lecture_unit"] = {"layer": "probabilities", "channel": 10}  # no such output: nothing open
    app.run()
    assert "selected" not in component_data(app, LECTURE)


def ui_layers(app):
    from ui.resources import model_path, model_store

    return model_store(model_path()).current().layers


def test_a_new_drawing_does_not_search_again(canvas, mnist, ready_examples, monkeypatch):
    shelf, _ = ready_examples
    written = []
    real = ui.unit_examples.publish_example_files
    monkeypatch.setattr(ui.unit_examples, "publish_example_files", lambda *a: written.append(a[1]) or real(*a))
    ui.unit_examples._addresses.clear()  # as a new server process
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["view"] = "lecture"
    app.session_state["lecture_unit"] = {"layer": "pool2", "channel": 9, "row": 2, "column": 1}
    app.run()
    builds = shelf.builds
    first = component_data(app, LECTURE)["unitDigits"]
    for digit in (1, 2):  # strokes: new drawings with the same unit open
        canvas.drawing = draw_on_canvas(mnist.x_test[digit, ..., 0], 0.5, left=60, top=40)
        app.run()
        assert not app.exception
        assert component_data(app, LECTURE)["unitDigits"] == first
    assert shelf.builds == builds and len(written) == 1  # neither searched nor written again


def test_without_mnist_the_close_up_says_so(canvas, mnist, model_copy, monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))
    ui.unit_examples._shelf.clear()  # a server started this way: its shelf has no digits
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.7, left=30, top=30)
    app = start_app()
    _open_closeup(app, "conv1")
    assert any("MNIST is not on this server" in info.value for info in app.main.info)
    assert not _pictures(app)
    ui.unit_examples._shelf.clear()
