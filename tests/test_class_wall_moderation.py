"""Moderation in the class wall's store, on SQLite and PostgreSQL: a held drawing is kept out of
everything the wall shows, the export and a fine-tune, in this process and in another, until the
lecturer approves it; a hidden one goes at once, from another process's wall too, cache and all;
the choice to hold is shared; a database from before moderation is brought up to date with its
drawings still shown."""

import contextlib
import multiprocessing
import os
import re

import numpy as np
import sqlalchemy as sa

from classwall.dataset import class_dataset_npz
from classwall.moderation import holds_new_drawings, set_holding
from classwall.sending import send
from classwall.store import HELD, HIDDEN, SCHEMA_VERSION, SHOWN, WallStore
from tests.test_class_wall_store import a_drawing


def _what_another_process_sees(url, queue):
    store = WallStore(url)
    ids = store.images_and_labels()[0]
    queue.put(([d.id for d in store.recent(50)], store.count(), [int(i) for i in ids]))


def another_process_sees(url) -> tuple[list[int], int, list[int]]:
    """(the wall's drawings newest first, how many it counts, the ids a fine-tune would read), as
    a second server process reads them."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    reader = context.Process(target=_what_another_process_sees, args=(url, queue))
    reader.start()
    seen = queue.get(timeout=60)
    reader.join(30)
    return seen


def test_a_held_drawing_is_nowhere_until_approved_and_gone_once_hidden(wall_url):
    store = WallStore(wall_url)
    shown = send(store, a_drawing(7, 7, "s1"), now=1000.0)
    held = send(store, a_drawing(4, 9, "s2", seed=1), now=1001.0, hold=True)
    assert [d.id for d in store.recent()] == [shown]
    assert store.get(held) is None and store.get(held, status=None).status == HELD
    assert [d.id for d in store.recent(status=HELD)] == [held]
    assert store.count() == 1 and store.count(HELD) == 1 and store.count(status=None) == 2
    assert list(zip(*store.labels_and_reads(), strict=True)) == [(7, 7)]  # the wall's numbers leave it out too
    assert another_process_sees(wall_url) == ([shown], 1, [shown])

    assert store.set_status(held, SHOWN)
    assert [d.id for d in store.recent()] == [held, shown]
    assert another_process_sees(wall_url) == ([held, shown], 2, [shown, held])

    assert store.set_status(shown, HIDDEN)
    assert [d.id for d in store.recent()] == [held] and store.get(shown) is None
    assert another_process_sees(wall_url) == ([held], 1, [held])
    assert not store.set_status(999, HIDDEN)  # no such drawing


def _a_wall(url, asked, answers):
    """A second server process's wall: each request, the drawings its wall_contents would put on
    the projector now (its own cache of the contents included), newest first."""
    os.environ["DATABASE_URL"] = url
    from ui.wall import wall_contents

    for _ in iter(asked.get, None):
        answers.put([int(i) for i in re.findall(r'href="\?drawing=(\d+)"', wall_contents(url).grid)])


@contextlib.contextmanager
def a_wall_in_another_process(url):
    """Yields a function that reads that process's wall once, as its next refresh would."""
    context = multiprocessing.get_context("spawn")
    asked, answers = context.Queue(), context.Queue()
    wall = context.Process(target=_a_wall, args=(url, asked, answers))
    wall.start()
    try:

        def read_wall() -> list[int]:
            asked.put(True)
            return answers.get(timeout=60)

        yield read_wall
    finally:
        asked.put(None)
        wall.join(30)


def test_a_hidden_drawing_leaves_another_processs_wall_at_its_very_next_read(wall_url):
    """Its wall caches the contents for 2 s; each read below comes milliseconds after the last, so
    only the store's generation (bumped by the hide, the approve, the delete) makes it read anew."""
    store = WallStore(wall_url)
    first = send(store, a_drawing(7, 7, "s1"), now=1000.0)
    second = send(store, a_drawing(4, 9, "s2", seed=1), now=1001.0)
    with a_wall_in_another_process(wall_url) as read_wall:
        assert read_wall() == [second, first]
        assert store.set_status(second, HIDDEN)
        assert read_wall() == [first]
        assert store.set_status(second, SHOWN)  # approved again: back at once too
        assert read_wall() == [second, first]
        assert store.delete(first)
        assert read_wall() == [second]
        assert store.clear() == 1
        assert read_wall() == []


def test_the_class_data_set_never_holds_a_held_or_hidden_drawing(wall_url, tmp_path):
    """What the export writes and a fine-tune trains on (ui/lecturer.py hands it
    store.images_and_labels())."""
    store = WallStore(wall_url)
    statuses = {}
    for index in range(15):
        hold = index % 3 != 0
        drawing = a_drawing(index % 10, index % 10, f"s{index}", seed=index)
        drawing_id = send(store, drawing, now=float(index), hold=hold)
        statuses[drawing_id] = HELD if hold else SHOWN
    hidden = next(i for i, s in statuses.items() if s == SHOWN)
    store.set_status(hidden, HIDDEN)
    statuses[hidden] = HIDDEN
    ids, images, labels = store.images_and_labels()
    assert sorted(ids) == sorted(i for i, s in statuses.items() if s == SHOWN) and len(ids) == 4
    assert images.shape == (4, 28, 28) and len(labels) == 4
    path = tmp_path / "class.npz"
    path.write_bytes(class_dataset_npz(store))
    with np.load(path) as arrays:
        assert len(arrays["x_train"]) + len(arrays["x_test"]) == 4
    assert store.set_status_of_all(HELD, SHOWN) == 10
    assert len(store.images_and_labels()[0]) == 14  # all but the hidden one


def test_holding_is_on_with_a_passcode_and_shared_by_every_process(wall_url):
    store = WallStore(wall_url)
    assert not holds_new_drawings(store, passcode_set=False)  # nobody could approve
    assert holds_new_drawings(store, passcode_set=True)  # the default with a lecturer
    set_holding(store, False)
    assert not holds_new_drawings(WallStore(wall_url), passcode_set=True)  # another process starting
    set_holding(store, True)
    assert holds_new_drawings(WallStore(wall_url), passcode_set=True)


def test_the_shared_secret_is_made_once(wall_url):
    first = WallStore(wall_url).shared_secret()
    assert len(first) == 32 and WallStore(wall_url).shared_secret() == first


_SCHEMA_1 = """
CREATE TABLE wall_schema (version INTEGER NOT NULL);
CREATE TABLE wall_drawings (
    id {id} PRIMARY KEY, created_at FLOAT NOT NULL, session_id VARCHAR(64) NOT NULL,
    image {blob} NOT NULL, picture {blob} NOT NULL, label SMALLINT NOT NULL, predicted SMALLINT NOT NULL,
    confidence FLOAT NOT NULL, model_version VARCHAR(64) NOT NULL);
CREATE INDEX ix_wall_drawings_created_at ON wall_drawings (created_at);
CREATE INDEX ix_wall_drawings_session_id ON wall_drawings (session_id);
CREATE TABLE wall_log (id {id} PRIMARY KEY, at FLOAT NOT NULL, action VARCHAR(32) NOT NULL, detail TEXT NOT NULL);
INSERT INTO wall_schema (version) VALUES (1);
"""


def a_version_1_database(url) -> None:
    """The schema as the code before moderation created it, with one drawing in it."""
    engine = sa.create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    kinds = {"id": "SERIAL" if postgres else "INTEGER", "blob": "BYTEA" if postgres else "BLOB"}
    with engine.begin() as connection:
        for statement in _SCHEMA_1.format(**kinds).split(";"):
            if statement.strip():
                connection.execute(sa.text(statement))
        old = a_drawing(3, 3, "old")
        connection.execute(
            sa.text(
                "INSERT INTO wall_drawings (created_at, session_id, image, picture, label, predicted, confidence, "
                "model_version) VALUES (5.0, 'old', :image, :picture, 3, 3, 0.9, 'v0')"
            ),
            {"image": old.image.tobytes(), "picture": old.picture},
        )
    engine.dispose()


def _open(url):
    WallStore(url)


def replicas_open_together(url, count=4) -> None:
    """Several processes open one database at once, as replicas starting together do."""
    context = multiprocessing.get_context("spawn")
    replicas = [context.Process(target=_open, args=(url,)) for _ in range(count)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(60)
    assert [replica.exitcode for replica in replicas] == [0] * count


def test_replicas_starting_together_on_an_empty_database_make_one_schema(wall_url):
    replicas_open_together(wall_url)
    store = WallStore(wall_url)
    with store.engine.begin() as connection:
        assert connection.execute(sa.text("SELECT version FROM wall_schema")).scalars().all() == [SCHEMA_VERSION]
    assert store.count() == 0


def test_a_database_from_before_moderation_is_brought_up_to_date(wall_url):
    a_version_1_database(wall_url)
    replicas_open_together(wall_url)
    store = WallStore(wall_url)
    with store.engine.begin() as connection:
        assert connection.execute(sa.text("SELECT version FROM wall_schema")).scalars().all() == [SCHEMA_VERSION]
    [old] = store.recent()
    assert (old.label, old.status, old.browser, old.newcomer) == (3, SHOWN, "", False)  # still on the wall
    new = send(store, a_drawing(5, 5, "new"), now=10.0, hold=True)
    assert store.count() == 1 and store.get(new, status=None).status == HELD
