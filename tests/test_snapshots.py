"""Training snapshots (cnn/files/snapshots.py): when they are taken, a tiny real training run that
writes them, the file round trip, and models without them."""

import numpy as np
import pytest

from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH
from cnn.config import TrainConfig
from cnn.files.mnist import load_mnist
from cnn.files.snapshots import TEMPLATE_UNITS, SnapshotHistory, snapshot_path_for, snapshot_steps
from cnn.training.train import train_and_save


def test_snapshots_before_the_first_step_early_and_every_quarter_epoch():
    steps = snapshot_steps(steps_per_epoch=469, epochs=2)
    assert {0, 1, 2, 4, 8, 256, 512, 938} <= steps
    for quarter in range(1, 9):  # one snapshot at every quarter epoch
        assert any(abs(step - 469 * quarter / 4) <= 1 for step in steps), quarter
    assert max(steps) == 938 and len(steps) < 25


@pytest.mark.slow
def test_a_tiny_training_writes_snapshots_that_follow_the_probe(tmp_path, synthetic_npz):
    data = load_mnist(synthetic_npz)
    probe = data.x_test[3, ..., 0]
    seen = []
    out = tmp_path / "model.keras"
    train_and_save(TrainConfig(epochs=2, batch_size=8), data, out, probe=probe, on_snapshot=seen.append)
    history = SnapshotHistory.load(snapshot_path_for(out))
    assert history is not None
    steps = [s.step for s in history.snapshots]
    assert steps[0] == 0 and steps[-1] == 2 * -(-len(data.y_train) // 8) and steps == sorted(steps)
    assert [s.step for s in seen] == steps  # the same snapshots were reported live as they were taken
    assert np.abs(history.probe - probe).max() <= 1 / 255  # the probe, stored as 8-bit
    first, last = history.snapshots[0], history.snapshots[-1]
    assert first.weights.shape == (3, 3, 1, 32)
    assert not np.allclose(first.weights, last.weights, atol=1e-3)  # it learned
    assert np.allclose(last.weights, seen[-1].weights, atol=np.abs(seen[-1].weights).max() / 127)
    assert last.accuracy > first.accuracy
    assert np.isclose(last.probe_probabilities.sum(), 1.0, atol=1e-2)


@pytest.mark.slow
def test_the_dense_net_keeps_templates(tmp_path, synthetic_npz):
    out = tmp_path / "mlp.keras"
    card = train_and_save(TrainConfig(epochs=1, batch_size=16, arch="mlp"), load_mnist(synthetic_npz), out)
    history = SnapshotHistory.load(snapshot_path_for(out))
    assert history.snapshots[0].weights.shape == (28, 28, 1, TEMPLATE_UNITS)
    assert card.config.arch == "mlp" and set(card.shift_accuracy) == {"0", "2", "4", "6"}


def test_shipped_snapshots_are_small_and_go_from_noise_to_the_shipped_weights(shipped_model):
    from cnn.training.model import load_model
    from cnn.training.snapshot_recorder import first_layer_weights

    for path, model in ((DEFAULT_MODEL_PATH, shipped_model), (DEFAULT_MLP_PATH, load_model(DEFAULT_MLP_PATH))):
        file = snapshot_path_for(path)
        assert file.stat().st_size < 120_000, file
        history = SnapshotHistory.load(file)
        assert history.snapshots[0].step == 0 and history.snapshots[0].accuracy < 0.3
        assert history.snapshots[-1].accuracy > 0.95
        shipped = first_layer_weights(model)
        assert np.allclose(history.snapshots[-1].weights, shipped, atol=np.abs(shipped).max() / 127 + 1e-6)


def test_missing_or_corrupt_snapshots_read_as_none(tmp_path):
    assert SnapshotHistory.load(tmp_path / "none.npz") is None
    bad = tmp_path / "bad.snapshots.npz"
    bad.write_bytes(b"not a zip")
    assert SnapshotHistory.load(bad) is None
