"""The shared model: loaded once, reloaded when its file changes, and never replaced by a broken one."""

import os

import numpy as np

from cnn.files.card import card_path_for
from cnn.serving.model_store import ModelStore
from cnn.training.model import build_model, save_model_atomically
from tests.support import copy_shipped_model


def test_loads_once_and_hands_out_the_same_model(tmp_path):
    store = ModelStore(copy_shipped_model(tmp_path))
    first = store.current()
    assert first is not None and first.version == 1 and store.problem is None
    assert first.card is not None and first.card.test_accuracy >= 0.99
    assert store.current() is first  # no reload when nothing changed


def test_a_new_file_on_disk_is_picked_up(tmp_path):
    path = copy_shipped_model(tmp_path)
    store = ModelStore(path)
    old = store.current()
    save_model_atomically(build_model(), path)  # as `python -m cnn train` would
    new = store.current()
    assert new.version == 2 and new.network is not old.network
    image = np.zeros((28, 28), np.float32)
    assert not np.allclose(new.extractor.run(image).probabilities, old.extractor.run(image).probabilities)


def test_a_corrupt_replacement_is_rejected_and_the_last_good_model_kept(tmp_path):
    path = copy_shipped_model(tmp_path)
    store = ModelStore(path)
    good = store.current()
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"\x00" * 5000)
    os.replace(broken, path)
    assert store.current() is good
    assert "rejected" in store.problem and "previous model" in store.problem
    save_model_atomically(build_model(), path)  # a good file again: taken, problem gone
    assert store.current().version == 2 and store.problem is None


def test_missing_file_at_start_is_a_problem_not_a_crash(tmp_path):
    store = ModelStore(tmp_path / "absent.keras")
    assert store.current() is None
    assert "no model file" in store.problem
    assert store.current() is None  # asked again: no reload loop, same answer


def test_a_card_written_after_the_model_is_picked_up(tmp_path):
    path = copy_shipped_model(tmp_path)
    card = card_path_for(path)
    saved_card = card.read_text()
    card.unlink()
    store = ModelStore(path)
    assert store.current().card is None
    card.write_text(saved_card)
    assert store.current().card is not None and store.current().version == 1
