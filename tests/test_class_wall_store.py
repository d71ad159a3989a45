"""The class wall's storage and rules, on SQLite and on a real PostgreSQL server: round trip,
limits, passcode, the exported data set, and nothing lost to a killed process."""

import multiprocessing
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from classwall.dataset import class_dataset_npz, confusion, held_out
from classwall.lecturer import configured_passcode, passcode_matches
from classwall.sending import MAX_PER_MINUTE, Refused, send, wall_drawing
from classwall.store import HELD, HIDDEN, SCHEMA_VERSION, SHOWN, WallStore, WallStoreError
from cnn.files.mnist import load_mnist
from tests.support import REPO


def a_drawing(label=7, predicted=7, session="s1", seed=0):
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28), dtype=np.float32)
    image[6:22, 12:16] = rng.uniform(0.5, 1.0, size=(16, 4))
    ink = np.kron(image, np.ones((10, 10), dtype=np.float32))  # the canvas, 280x280
    return wall_drawing(image, ink, label, predicted, 0.93, "v1 2026-11-26", session)


def test_round_trip(wall_url):
    store = WallStore(wall_url)
    first = send(store, a_drawing(7, 7, "s1"), now=1000.0)
    second = send(store, a_drawing(4, 9, "s2", seed=1), now=1001.0)
    assert second > first
    newest = store.recent(10)
    assert [d.id for d in newest] == [second, first]
    got = store.get(first)
    assert got.label == 7 and got.predicted == 7 and got.read_right and got.created_at == 1000.0
    assert np.array_equal(got.image, a_drawing().image) and got.image.dtype == np.uint8
    assert got.picture.startswith(b"\x89PNG") and got.model_version == "v1 2026-11-26"
    assert not store.get(second).read_right
    labels, reads = store.labels_and_reads()
    assert sorted(zip(labels, reads, strict=True)) == [(4, 9), (7, 7)]
    with pytest.raises(WallStoreError):
        store.get(10**20)  # beyond any integer column: a message for the page, not a crash
    assert store.delete(first) and not store.delete(first)
    assert store.count() == 1 and store.clear() == 1 and store.recent() == []


def test_the_schema_is_created_once_and_versioned(wall_url):
    WallStore(wall_url)
    store = WallStore(wall_url)  # a second process starting on the same database
    import sqlalchemy as sa

    with store.engine.begin() as connection:
        assert connection.execute(sa.text("SELECT version FROM wall_schema")).scalars().all() == [SCHEMA_VERSION]
        connection.execute(sa.text("UPDATE wall_schema SET version = :v"), {"v": SCHEMA_VERSION + 1})
    with pytest.raises(WallStoreError, match="newer"):
        WallStore(wall_url)


def test_limits_refuse_with_a_message(wall_url):
    store = WallStore(wall_url)
    empty = wall_drawing(np.zeros((28, 28)), np.zeros((280, 280)), 3, 3, 0.5, "v1", "s1")
    with pytest.raises(Refused, match="no digit"):
        send(store, empty, now=0.0)
    with pytest.raises(Refused, match="0 to 9"):
        send(store, a_drawing(label=12), now=0.0)
    for second in range(MAX_PER_MINUTE):
        send(store, a_drawing(session="busy"), now=100.0 + second)
    with pytest.raises(Refused, match="a minute"):
        send(store, a_drawing(session="busy"), now=130.0)
    send(store, a_drawing(session="other"), now=130.0)  # others are not held back
    send(store, a_drawing(session="busy"), now=161.0)  # a minute after its first: allowed again
    assert store.count() == MAX_PER_MINUTE + 2


def test_the_class_data_set_is_in_mnists_layout(wall_url, tmp_path):
    store = WallStore(wall_url)
    for index in range(12):
        send(
            store, a_drawing(label=index % 10, predicted=index % 10, session=f"s{index}", seed=index), now=float(index)
        )
    path = tmp_path / "class.npz"
    path.write_bytes(class_dataset_npz(store))
    with np.load(path) as arrays:
        assert arrays["x_train"].shape == (10, 28, 28) and arrays["x_test"].shape == (2, 28, 28)
        assert arrays["x_train"].dtype == np.uint8 == arrays["y_train"].dtype
        assert list(arrays["y_test"]) == [4, 9]  # every fifth, in the order sent
    data = load_mnist(path)  # the project reads it like MNIST itself
    assert len(data.y_train) == 10 and data.x_test.shape == (2, 28, 28, 1)
    assert list(held_out(np.arange(1, 7))) == [False, False, False, False, True, False]  # by id


def test_confusion_counts_meant_against_read():
    matrix = confusion(np.array([7, 7, 4]), np.array([7, 1, 4]))
    assert matrix[7, 7] == 1 and matrix[7, 1] == 1 and matrix[4, 4] == 1 and matrix.sum() == 3


def test_passcode(monkeypatch):
    monkeypatch.delenv("DIGIT_LENS_PASSCODE", raising=False)
    assert configured_passcode() is None and configured_passcode({"lecturer_passcode": "owl"}) == "owl"
    assert not passcode_matches("", None) and not passcode_matches("anything", None)  # off without one
    monkeypatch.setenv("DIGIT_LENS_PASSCODE", "tawny owl")
    expected = configured_passcode({"lecturer_passcode": "ignored"})
    assert expected == "tawny owl"
    assert passcode_matches("tawny owl", expected)
    assert not passcode_matches("tawny ow", expected) and not passcode_matches("", expected)
    assert not passcode_matches(None, expected)


def test_the_generation_changes_with_every_change_that_takes_a_drawing_off_the_wall(wall_url):
    store = WallStore(wall_url)
    generations = [store.generation()]

    def changed() -> bool:
        generations.append(WallStore(wall_url).generation())  # as another process reads it
        return generations[-1] != generations[-2]

    first = send(store, a_drawing(7, 7, "s1"), now=1000.0)
    second = send(store, a_drawing(4, 9, "s2", seed=1), now=1001.0)
    assert not changed()  # a send waits for the wall's cache: many of them, none urgent
    assert store.set_status(first, HIDDEN) and changed()
    assert store.set_status(first, SHOWN) and changed()
    assert not store.set_status(999, HIDDEN) and not changed()  # nothing changed on the wall
    assert store.set_status_of_all(SHOWN, HELD) == 2 and changed()
    assert store.set_status_of_all(SHOWN, HELD) == 0 and not changed()
    assert store.delete(second) and changed()
    assert not store.delete(second) and not changed()
    assert store.clear() == 1 and changed()
    assert len(set(generations)) == 6  # never back to an earlier value, which a wall may still have cached


def _hide_many(url, ids):
    store = WallStore(url)
    for drawing_id in ids:
        store.set_status(drawing_id, HIDDEN)


def test_hides_in_several_processes_at_once_each_count_the_generation_up(wall_url):
    store = WallStore(wall_url)
    ids = [send(store, a_drawing(session=f"s{n}", seed=n), now=float(n)) for n in range(24)]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hide_many, args=(wall_url, ids[n::3])) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert store.count() == 0 and store.generation() == "24"  # not one bump lost to a race


def _send_many(url, session, count):
    store = WallStore(url)
    for index in range(count):
        send(store, a_drawing(session=f"{session}-{index}", seed=index))


def test_several_processes_send_at_once_and_nothing_is_lost(wall_url):
    WallStore(wall_url)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_send_many, args=(wall_url, f"p{n}", 15)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert WallStore(wall_url).count() == 45


def test_a_killed_server_loses_no_saved_drawing(wall_url):
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[2])\n"
        "from tests.test_class_wall_store import a_drawing\n"
        "from classwall.sending import send\nfrom classwall.store import WallStore\n"
        "store = WallStore(sys.argv[1])\n"
        "print(send(store, a_drawing()), flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, wall_url, str(REPO)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    saved_id = int(process.stdout.readline())
    os.kill(process.pid, signal.SIGKILL)  # no clean shutdown, no chance to flush anything
    process.wait(10)
    assert WallStore(wall_url).get(saved_id) is not None
