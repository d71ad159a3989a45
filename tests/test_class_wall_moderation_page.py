"""Moderation and the per-client limits on the page (AppTest, real model, a real SQLite database):
with a passcode set a student's drawing waits for the lecturer and no other session's wall shows
it; the lecturer's panel, under the projected wall, shows only how many wait until the lecturer
turns on the switch that shows them; one tap approves it, one tap hides it again; a fine-tune is
given only what the wall shows; a script reloading the page as fast as it can does not stop
another student's send."""

import base64
import re
import time

import pytest

from classwall import sending
from classwall.clients import COOKIE_NAME, mint_token, read_token
from classwall.store import HELD, HIDDEN, SHOWN, WallDrawing, WallStore
from harness.canvas_sim import draw_on_canvas
from tests.apptest_support import predictions, press_send, start_app
from tests.test_class_wall_page import open_wall, wall_grid

PASSCODE = "tawny owl"
HALL = "203.0.113.7"


@pytest.fixture
def wall_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'wall.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def a_seven(canvas, mnist):
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)  # read as 7


def a_lecturer():
    lecturer = open_wall()
    lecturer.text_input(key="lecturer_passcode").set_value(PASSCODE).run()
    assert not lecturer.exception, lecturer.exception
    return lecturer


def send_one():
    student = start_app()
    student.sent = press_send(student)
    return student


def markdown(app) -> str:
    return "\n".join(m.value for m in app.main.markdown)


def shows_drawing(app, drawing) -> bool:
    """Whether any part of the page carries the drawing: its picture's bytes, or its tile's label."""
    picture = base64.b64encode(drawing.picture).decode("ascii")
    html = [str(e.proto.body) for e in app.get("html")]
    images = [str(e.proto) for e in app.get("imgs")]
    text = [markdown(app), *(c.value for c in app.main.caption)]
    return any(picture in part or f'title="#{drawing.id}"' in part for part in html + images) or any(
        f"Drawing #{drawing.id}:" in part for part in html + text
    )


def show_held(lecturer):
    lecturer.toggle(key="wall_show_held").set_value(True).run()
    assert not lecturer.exception, lecturer.exception


def test_a_held_drawing_waits_for_the_lecturer_then_shows_then_hides(a_seven, model_copy, wall_db, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_PASSCODE", PASSCODE)  # holding is on by default with a lecturer
    wall = open_wall()
    student = send_one()
    assert student.sent["ok"] and student.sent["text"] == (
        "Sent: your 7 waits for the lecturer, who lets drawings onto the class wall (#1, read right)."
    )
    wall.run()
    assert wall_grid(wall) == "" and "No drawings yet" in wall.main.info[0].value
    viewer = start_app()
    viewer.query_params["drawing"] = "1"
    viewer.run()
    assert "not on the class wall" in viewer.main.warning[0].value and not predictions(viewer)

    lecturer = a_lecturer()
    assert "Waiting for you: 1" in markdown(lecturer)
    show_held(lecturer)
    lecturer.button(key="wall_approve_1").click().run()
    assert "Waiting for you" not in markdown(lecturer)
    wall.run()
    assert 'href="?drawing=1"' in wall_grid(wall)

    lecturer.button(key="wall_hide_1").click().run()
    wall.run()
    assert wall_grid(wall) == "" and "No drawings yet" in wall.main.info[0].value
    store = WallStore(wall_db)
    assert store.get(1, status=None).status == HIDDEN
    assert [action for _, action, _ in store.actions()][:2] == ["hide", "approve"]


def send_digit(canvas, mnist, index):
    """A student sends MNIST test digit `index`: each its own picture, so a tile is told apart."""
    canvas.drawing = draw_on_canvas(mnist.x_test[index, ..., 0], 0.5, left=60, top=40)
    send_one()


def test_on_the_projected_wall_held_drawings_show_only_as_a_count_until_asked_for(
    canvas, mnist, model_copy, wall_db, monkeypatch
):
    monkeypatch.setenv("DIGIT_LENS_PASSCODE", PASSCODE)
    send_digit(canvas, mnist, 0)
    send_digit(canvas, mnist, 1)
    store = WallStore(wall_db)
    held = [store.get(i, status=None) for i in (1, 2)]
    assert [d.status for d in held] == [HELD, HELD] and held[0].picture != held[1].picture
    lecturer = a_lecturer()  # the passcode typed on the wall page, the one on the projector
    assert "Waiting for you: 2" in markdown(lecturer)
    assert not any(shows_drawing(lecturer, d) for d in held)
    assert not [b for b in lecturer.main.button if b.key.startswith(("wall_approve", "wall_hide"))]  # no blind taps
    assert not lecturer.toggle(key="wall_show_held").value

    show_held(lecturer)
    assert all(shows_drawing(lecturer, d) for d in held)
    lecturer.button(key="wall_approve_2").click().run()  # one tap
    lecturer.button(key="wall_hide_1").click().run()
    assert [store.get(i, status=None).status for i in (1, 2)] == [HIDDEN, SHOWN]
    assert 'href="?drawing=2"' in wall_grid(open_wall()) and "Waiting for you" not in markdown(lecturer)

    send_digit(canvas, mnist, 2)  # the queue emptied meanwhile: the next held drawing arrives unseen again
    lecturer.run()
    assert "Waiting for you: 1" in markdown(lecturer)
    assert not shows_drawing(lecturer, store.get(3, status=None)) and shows_drawing(lecturer, held[1])


def test_the_lecturer_can_let_drawings_show_at_once(a_seven, model_copy, wall_db, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_PASSCODE", PASSCODE)
    lecturer = a_lecturer()
    assert lecturer.toggle(key="wall_hold").value
    lecturer.toggle(key="wall_hold").set_value(False).run()
    student = send_one()
    assert student.sent["text"].startswith("Sent: your 7 is on the class wall (#1")
    assert 'href="?drawing=1"' in wall_grid(open_wall())  # another session, after a restart too
    lecturer.toggle(key="wall_hold").set_value(True).run()
    send_one()
    assert WallStore(wall_db).get(2, status=None).status == HELD


def test_a_fine_tune_is_given_only_the_drawings_the_wall_shows(model_copy, wall_db, monkeypatch, mnist):
    from cnn.jobs.training_job import TrainingJob

    monkeypatch.setenv("DIGIT_LENS_PASSCODE", PASSCODE)
    store = WallStore(wall_db)
    for index in range(16):
        image = (mnist.x_test[index, ..., 0] * 255).astype("uint8")
        label = int(mnist.y_test[index])
        status = HELD if index % 4 == 1 else SHOWN
        store.add(WallDrawing(image, b"\x89PNG", label, label, 0.9, "v1", f"s{index}", float(index), status=status))
    store.set_status(1, HIDDEN)
    given = {}
    monkeypatch.setattr(
        TrainingJob, "start_fine_tune", lambda job, images, labels, ids, held_out, started_by: given.update(ids=ids)
    )
    lecturer = a_lecturer()
    lecturer.button(key="wall_fine_tune").click().run()
    assert sorted(given["ids"]) == [i for i in range(1, 17) if i % 4 != 2 and i != 1]  # shown only


def connection_from(monkeypatch, address: str, cookies: dict) -> None:
    """Every new page as if nginx passed on `address` and the browser brought `cookies`."""
    import ui.client_identity

    monkeypatch.setattr(ui.client_identity, "connection_details", lambda: ({"X-Real-IP": address}, cookies, None))


def written_cookie(app) -> str | None:
    """The browser token the page's one line of JavaScript writes into a cookie, if it does."""
    scripts = [str(e.proto.body) for e in app.get("html") if "document.cookie" in str(e.proto.body)]
    found = re.search(rf"{COOKIE_NAME}=([0-9a-f.]+);", scripts[0]) if scripts else None
    return found.group(1) if found else None


def test_a_script_reloading_as_fast_as_it_can_does_not_stop_another_students_send(
    a_seven, model_copy, wall_db, monkeypatch
):
    monkeypatch.delenv("DIGIT_LENS_PASSCODE", raising=False)
    monkeypatch.setattr(sending, "MAX_NEWCOMERS_PER_ADDRESS", 6)  # the hall's share for new pages, made small
    store = WallStore(wall_db)
    secret = store.shared_secret()
    # A student behind the hall's address whose browser has had its cookie for ten minutes.
    connection_from(monkeypatch, HALL, {COOKIE_NAME: mint_token(secret, time.time() - 600)})
    honest = start_app()
    assert written_cookie(honest) is None  # it has one already

    connection_from(monkeypatch, HALL, {})  # the script: no cookie, a new session every time
    refusals = []
    for _ in range(4):
        script = start_app()
        token = written_cookie(script)
        assert read_token(secret, token, time.time()).is_newcomer(time.time())  # a new, signed id
        for press in range(3):
            sent = press_send(script, press=press)
            refusals += [] if sent["ok"] else [sent["text"]]
    assert store.count() == 6 and refusals
    assert re.search(
        r"pages just opened on your network.*Keep this page open: you can send again in \d+ s\.", refusals[-1]
    )

    assert press_send(honest)["text"].startswith("Sent: your 7 is on the class wall (#7")
    connection_from(monkeypatch, "198.51.100.4", {})  # a student elsewhere, page just opened
    assert send_one().sent["text"].startswith("Sent: your 7 is on the class wall (#8")


def test_the_browser_is_asked_who_it_is_at_the_first_showing_and_at_a_send_not_every_stroke(
    canvas, mnist, model_copy, wall_db, monkeypatch
):
    # Every stroke reruns the drawing: working out the client there (its cookie's signature, the
    # proxy's address, the database's key) cost about a millisecond of the server a stroke.
    import ui.client_identity

    asked = []
    monkeypatch.setattr(
        ui.client_identity, "connection_details", lambda: asked.append(1) or ({"X-Real-IP": HALL}, {}, None)
    )
    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.5, left=60, top=40)
    student = start_app()
    assert written_cookie(student) and len(asked) == 1  # the id made when the page opens to draw
    for index in (1, 2, 3):  # three more drawings, three reruns
        canvas.drawing = draw_on_canvas(mnist.x_test[index, ..., 0], 0.5, left=60, top=40)
        student.run()
        assert not student.exception, student.exception
    assert len(asked) == 1 and written_cookie(student) is None  # the cookie is written once
    sent = press_send(student)
    assert len(asked) == 2 and sent["ok"], sent
