"""The class wall on the page (AppTest, real model, a real SQLite database): a send from one
session appears on another session's wall; lecturer actions need the passcode."""

import re
import time

import pytest

from classwall.store import WallStore
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import predictions, start_app


@pytest.fixture
def wall_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'wall.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def open_wall():
    app = start_app()
    app.query_params["view"] = "wall"
    app.run()
    assert not app.exception, app.exception
    return app


def wall_grid(app) -> str:
    grids = [str(e.proto.body) for e in app.get("html") if '<div class="wall-grid' in str(e.proto.body)]
    return grids[0] if grids else ""


def send_from_a_student(canvas, mnist, index):
    canvas.drawing = draw_on_canvas(mnist.x_test[index, ..., 0], 0.5, left=60, top=40)
    student = start_app()
    student.button(key="wall_send").click().run()
    assert not student.exception, student.exception
    return student


def test_a_send_appears_on_anothers_wall(canvas, model_copy, wall_db, mnist):
    wall = open_wall()
    assert "No drawings yet" in " ".join(i.value for i in wall.main.info)
    student = send_from_a_student(canvas, mnist, 0)  # a 7, read as 7
    [sent] = [s.value for s in student.main.success]
    assert sent.startswith("Sent: your 7 is on the class wall (#1")
    wall.run()
    grid = wall_grid(wall)
    assert 'href="?drawing=1"' in grid and "read 7" in grid and "wall-tile right" in grid
    assert {m.label: m.value for m in wall.main.metric}["The class's digits"] == "100%"
    stored = WallStore(wall_db).get(1)
    assert stored.label == stored.predicted == 7 and stored.picture.startswith(b"\x89PNG")


def test_a_corrected_label_counts_as_wrong_and_opens_in_the_main_view(canvas, model_copy, wall_db, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    student = start_app()
    student.session_state["wall_label"] = 1  # the student taps 1: "I meant 1"
    student.button(key="wall_send").click().run()
    assert "your 1 is on the class wall" in student.main.success[0].value
    wall = open_wall()
    grid = wall_grid(wall)
    assert "meant 1, read 7" in grid and "wall-tile wrong" in grid
    assert {m.label: m.value for m in wall.main.metric}["The class's digits"] == "0%"
    [table] = [str(e.proto.body) for e in wall.get("html") if "<table" in str(e.proto.body)]
    rows = {
        int(re.search(r">(\d)</th>", row).group(1)): [int(v) for v in re.findall(r">\s*(\d+)\s*</td>", row)]
        for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S)
        if "</td>" in row
    }
    assert sorted(rows) == list(range(10)) and "meant ↓ read →" in table
    assert rows[1] == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]  # meant 1, read 7
    assert sum(map(sum, rows.values())) == 1
    viewer = start_app()
    viewer.query_params["drawing"] = "1"
    viewer.run()
    assert predictions(viewer)[0].split()[0] == "7"  # the wall's drawing, read again
    assert any("Meant **1**" in m.value for m in viewer.main.markdown)
    assert "input_source" not in [r.key for r in viewer.radio]  # the wall's drawing is the input
    viewer.button(key="close_wall_drawing").click().run()  # pressed inside the drawing's fragment
    assert not viewer.exception, viewer.exception
    assert "drawing" not in viewer.query_params and viewer.radio(key="input_source").value == "Draw"
    assert predictions(viewer)[0].split()[0] == "7"  # the student's own canvas, read


def test_the_digit_meant_starts_at_each_new_drawings_reading(canvas, model_copy, wall_db, mnist):
    """One selector for every drawing: a tap corrects this drawing's label, and the next drawing
    starts again at what the network reads, not at the last tap."""
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)  # a 7
    student = start_app()
    [meant] = [w for w in student.get("button_group") if w.label == "The digit I meant"]
    assert meant.value == 7
    student.session_state["wall_label"] = 1  # the student taps 1
    student.run()
    [meant] = [w for w in student.get("button_group") if w.label == "The digit I meant"]
    assert meant.value == 1  # a rerun of the same drawing keeps the tap
    canvas.drawing = draw_on_canvas(mnist.x_test[1, ..., 0], 0.5, left=60, top=40)  # a 2
    student.run()
    [meant] = [w for w in student.get("button_group") if w.label == "The digit I meant"]
    assert meant.value == 2
    student.button(key="wall_send").click().run()
    assert "your 2 is on the class wall" in student.main.success[0].value


def test_sending_is_limited(canvas, model_copy, wall_db, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    student = start_app()
    for _ in range(3):
        student.button(key="wall_send").click().run()
    student.button(key="wall_send").click().run()
    assert re.fullmatch(
        r"You have sent 3 drawings in the last minute, as many as one student may \(3 a minute\); "
        r"you can send again in (60|59) s\.",
        student.main.warning[0].value,
    )
    assert WallStore(wall_db).count() == 3


def test_lecturer_actions_need_the_passcode(canvas, model_copy, wall_db, mnist, monkeypatch):
    send_from_a_student(canvas, mnist, 0)
    monkeypatch.delenv("DIGIT_LENS_PASSCODE", raising=False)
    wall = open_wall()
    assert any("Lecturer actions are off" in c.value for c in wall.main.caption)
    assert not [b for b in wall.main.button if b.key == "wall_clear"]

    monkeypatch.setenv("DIGIT_LENS_PASSCODE", "tawny owl")
    wall = open_wall()
    wall.text_input(key="lecturer_passcode").set_value("barn owl").run()
    assert "not the passcode" in wall.main.error[0].value
    assert not [b for b in wall.main.button if b.key == "wall_clear"]
    assert WallStore(wall_db).count() == 1

    wall.text_input(key="lecturer_passcode").set_value("tawny owl").run()
    wall.button(key="wall_clear").click().run()
    assert "Tick the box first" in wall.main.warning[0].value and WallStore(wall_db).count() == 1
    wall.checkbox(key="wall_clear_sure").check().run()
    wall.button(key="wall_clear").click().run()
    assert "1 drawings removed" in wall.main.success[0].value
    assert not wall.checkbox(key="wall_clear_sure").value  # the next clear asks again
    store = WallStore(wall_db)
    assert store.count() == 0
    assert store.actions()[0][1:] == ("clear", "1 drawings removed")  # logged where every process sees it


@pytest.mark.slow  # fine-tunes in a training child
def test_the_lecturer_fine_tunes_on_the_wall_and_chooses_the_new_model(
    canvas, model_copy, wall_db, mnist, mnist_env, monkeypatch
):
    from classwall.store import WallDrawing
    from tests.test_fine_tune import slanted_class

    images, labels, _ = slanted_class(mnist, count=100)
    store = WallStore(wall_db)
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        store.add(WallDrawing(image, b"\x89PNG", int(label), int(label), 0.9, "v1", f"s{index}", float(index)))
    monkeypatch.setenv("DIGIT_LENS_PASSCODE", "tawny owl")
    before = model_copy.read_bytes()
    wall = open_wall()
    wall.text_input(key="lecturer_passcode").set_value("tawny owl").run()
    wall.button(key="wall_fine_tune").click().run()
    deadline = time.monotonic() + 180
    while not [b for b in wall.main.button if b.key == "wall_adopt"]:
        assert time.monotonic() < deadline, [w.value for w in wall.main.warning]
        time.sleep(1)
        wall.run()
    shown = {m.label: (m.value, m.delta) for m in wall.main.metric}
    after, change = shown["Class's held-out drawings (20)"]
    assert float(after.rstrip("%")) > float(change.split("was ")[1].rstrip("%)"))  # better than before
    assert float(shown["MNIST test set"][0].rstrip("%")) >= 98.5
    assert model_copy.read_bytes() == before  # nobody's model changed yet
    wall.button(key="wall_adopt").click().run()
    assert model_copy.read_bytes() != before
    assert [action for _, action, _ in store.actions()][:2] == ["adopt", "fine-tune"]


def test_passcode_guessing_stops_after_five_wrong_a_minute(canvas, model_copy, wall_db, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_PASSCODE", "tawny owl")
    store = WallStore(wall_db)
    for _ in range(5):
        store.log("wrong passcode", "a wrong lecturer passcode was entered")
    wall = open_wall()
    wall.text_input(key="lecturer_passcode").set_value("tawny owl").run()  # even the right one, for now
    assert "Too many wrong passcodes" in wall.main.error[0].value
    assert not [b for b in wall.main.button if b.key == "wall_clear"]


def test_a_bad_drawing_link_is_a_message_not_a_crash(canvas, model_copy, wall_db):
    for link in ("99999999999999999999999", "abc", "42"):
        viewer = start_app()
        viewer.query_params["drawing"] = link
        viewer.run()
        assert not viewer.exception, viewer.exception
        assert viewer.main.warning and not predictions(viewer)
