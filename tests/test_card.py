"""The model card and the atomic writes behind it."""

import json
import os
from dataclasses import asdict, replace

import pytest

from cnn.config import TrainConfig
from cnn.files.atomic import replacing, write_text_atomically
from cnn.files.card import ModelCard, read_card, write_card


def _card(**config) -> ModelCard:
    return ModelCard(
        config=TrainConfig(**config),
        test_accuracy=0.99,
        test_loss=0.03,
        training_seconds=20.0,
        trained_at="2026-11-26T10:00:00+00:00",
        keras_version="3",
        tensorflow_version="2",
        parameters=93_322,
        train_samples=60_000,
        data_source="mnist.npz",
        data_sha256=None,
        history={"loss": [0.2, 0.1]},
    )


def test_a_card_round_trips_with_its_whole_config(tmp_path):
    card = _card(epochs=3, optimizer="adam", learning_rate=1e-3, validation_split=0.1)
    write_card(card, tmp_path / "model.json")
    assert read_card(tmp_path / "model.json") == card


def test_a_card_from_before_the_config_field_is_still_read(tmp_path):
    # The layout cards had until 2026-11-26: the recipe's fields at the top level, no schedule.
    old = {"test_accuracy": 0.9918, "test_loss": 0.025, "epochs": 5, "batch_size": 64, "optimizer": "rmsprop",
           "learning_rate": 0.001, "seed": 0, "training_seconds": 64.6, "trained_at": "2026-11-24T08:00:00+00:00",
           "keras_version": "3.15.1", "tensorflow_version": "2.21.0", "parameters": 93322,
           "train_samples": 60000, "data_source": "mnist.npz", "data_sha256": None}  # fmt: skip
    (tmp_path / "old.json").write_text(json.dumps(old))
    card = read_card(tmp_path / "old.json")
    assert card.config == TrainConfig.seed_recipe() and card.test_accuracy == 0.9918


def test_a_card_from_before_the_precision_field_says_float32(tmp_path):
    # The shipped cards until 2026-12-03: a config without "precision", trained in float32.
    card = _card(epochs=2, batch_size=128, learning_rate=3e-3)
    raw = json.loads(json.dumps(asdict(card)))
    del raw["config"]["precision"]
    (tmp_path / "model.json").write_text(json.dumps(raw))
    assert read_card(tmp_path / "model.json").config == replace(card.config, precision="float32")
    write_card(card, tmp_path / "new.json")  # a card that has the field keeps it
    assert read_card(tmp_path / "new.json").config.precision == "mixed_bfloat16"


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"config": {"epochs": 0}}'])
def test_an_unreadable_card_is_no_card(tmp_path, text):
    (tmp_path / "bad.json").write_text(text)
    assert read_card(tmp_path / "bad.json") is None


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.json"
    write_text_atomically(path, "old")
    with pytest.raises(RuntimeError), replacing(path, ".json") as temporary:
        temporary.write_text("half of the new")
        raise RuntimeError("killed mid-write")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
    write_text_atomically(path, "new")
    assert path.read_text() == "new" and oct(os.stat(path).st_mode & 0o777) == "0o644"


def test_a_card_written_before_its_shifted_accuracy_says_it_is_being_measured(tmp_path):
    pending = replace(_card(), shift_accuracy_pending=True)
    write_card(pending, tmp_path / "model.json")
    assert read_card(tmp_path / "model.json") == pending
    assert pending.shift_summary == "measuring..."
    measured = replace(pending, shift_accuracy={"0": 0.99, "2": 0.949, "4": 0.548}, shift_accuracy_pending=False)
    assert measured.shift_summary == "2 px 94.9%, 4 px 54.8%"
    assert _card().shift_summary == ""  # never measured (a card from before the shifts): nothing to show
