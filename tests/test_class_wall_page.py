"""The class wall on the page (AppTest, real model, a real SQLite database): a send from one
session appears on another session's wall; lecturer actions need the passcode."""

import re
import time

import pytest

from classwall.store import WallStore
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import predictions, press_send, send_row, start_app


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
    student.sent = press_send(student)
    return student


def test_a_send_appears_on_anothers_wall(canvas, model_copy, wall_db, mnist):
    wall = open_wall()
    assert "No drawings yet" in " ".join(i.value for i in wall.main.info)
    student = send_from_a_student(canvas, mnist, 0)  # a 7, read as 7
    assert student.sent["ok"] and student.sent["text"].startswith("Sent: your 7 is on the class wall (#1")
    assert student.sent["id"] == 1  # the page's number for the press: the page knows it is answered
    assert [t.value for t in student.toast] == [student.sent["text"]]  # seen on a phone without scrolling
    wall.run()
    grid = wall_grid(wall)
    assert 'href="?drawing=1"' in grid and "read 7" in grid and "wall-tile right" in grid
    assert {m.label: m.value for m in wall.main.metric}["The class's digits"] == "100%"
    stored = WallStore(wall_db).get(1)
    assert stored.label == stored.predicted == 7 and stored.picture.startswith(b"\x89PNG")


def test_a_corrected_label_counts_as_wrong_and_opens_in_the_main_view(canvas, model_copy, wall_db, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    student = start_app()
    assert "your 1 is on the class wall" in press_send(student, digit=1)["text"]  # the student taps 1: "I meant 1"
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


def test_the_row_starts_at_each_new_drawings_reading_and_a_send_names_its_drawing(canvas, model_copy, wall_db, mnist):
    """The page's row is drawn for one drawing: its first choice is what the network reads, and a
    Send pressed for a drawing the canvas no longer holds, or without a digit, is refused with
    words and sends nothing."""
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)  # a 7
    student = start_app()
    seven = send_row(student)
    assert seven["digit"] == 7 and seven["sent"] is None
    canvas.drawing = draw_on_canvas(mnist.x_test[1, ..., 0], 0.5, left=60, top=40)  # a 2
    student.run()
    two = send_row(student)
    assert two["digit"] == 2 and two["key"] != seven["key"]
    refused = press_send(student, key=seven["key"], press=5)  # pressed for the 7, as the 2 arrived
    assert not refused["ok"] and "drawing changed" in refused["text"] and refused["id"] == 5
    for nonsense in ("none", 10, "7", True, -1):  # what a misbehaving page might send
        assert press_send(student, digit=nonsense)["text"] == "Tap the digit you meant, then send."
    assert WallStore(wall_db).count() == 0
    assert "your 2 is on the class wall" in press_send(student, press=6)["text"]
    student.run()  # a stroke's run after the send: the row still says it, for this drawing only
    assert send_row(student)["sent"]["id"] == 6 and not student.toast
    canvas.drawing = draw_on_canvas(mnist.x_test[2, ..., 0], 0.5, left=60, top=40)
    student.run()
    assert send_row(student)["sent"] is None and WallStore(wall_db).count() == 1


def test_sending_is_limited(canvas, model_copy, wall_db, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    student = start_app()
    for press in range(3):
        assert press_send(student, press=press)["ok"]
    refused = press_send(student, press=3)
    assert not refused["ok"] and re.fullmatch(
        r"You have sent 3 drawings in the last minute, as many as one student may \(3 a minute\); "
        r"you can send again in (60|59) s\.",
        refused["text"],
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
