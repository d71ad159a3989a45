"""Training: config checks, progress reports, cancelling, saving, and learning on real MNIST."""

import json
from dataclasses import asdict, replace

import numpy as np
import pytest

from cnn.files.card import card_path_for, read_card, write_card
from cnn.files.mnist import load_mnist
from cnn.training.model import build_model, load_model, save_model_atomically
from cnn.training.phases import Phases
from cnn.training.train import TrainConfig, TrainingCancelled, train, train_and_save

pytestmark = pytest.mark.slow  # every test here trains with Keras


@pytest.mark.parametrize(
    "bad",
    [
        {"epochs": 0},
        {"batch_size": 0},
        {"optimizer": "adagrad"},
        {"learning_rate": 0},
        {"validation_split": 1.0},
        {"precision": "float16"},
    ],
)
def test_config_rejects_impossible_values(bad):
    with pytest.raises(ValueError):
        TrainConfig(**bad)


def test_progress_is_reported_per_batch_and_per_epoch(synthetic_npz):
    reports = []
    config = TrainConfig(epochs=2, batch_size=16)
    result = train(config, load_mnist(synthetic_npz), on_progress=reports.append)
    batches = [r for r in reports if r.kind == "batch"]
    epochs = [r for r in reports if r.kind == "epoch"]
    assert len(batches) == 2 * 4  # 60 images in batches of 16
    assert [r.epoch for r in epochs] == [1, 2]
    fractions = [r.fraction_done for r in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(np.isfinite(r.loss) and 0 <= r.accuracy <= 1 for r in reports)
    assert len(result.history["loss"]) == 2


def test_cancel_stops_between_batches_and_saves_nothing(synthetic_npz, tmp_path):
    out = tmp_path / "model.keras"
    save_model_atomically(build_model(), out)
    before = out.read_bytes()
    seen = []

    def stop_after_three_batches():
        return len(seen) >= 3

    with pytest.raises(TrainingCancelled):
        train_and_save(
            TrainConfig(epochs=5, batch_size=8),
            load_mnist(synthetic_npz),
            out,
            on_progress=seen.append,
            should_stop=stop_after_three_batches,
        )
    assert len(seen) == 3  # no batch ran after the cancel
    assert out.read_bytes() == before
    assert not card_path_for(out).exists()


def test_train_and_save_writes_model_and_card(synthetic_npz, tmp_path):
    out = tmp_path / "model.keras"
    config = TrainConfig(epochs=3, batch_size=16, optimizer="adam", seed=3)
    card = train_and_save(config, load_mnist(synthetic_npz), out)
    assert load_model(out).count_params() == 93_322
    saved = json.loads(card_path_for(out).read_text())
    assert saved["config"] == asdict(config)  # the whole recipe, field by field
    assert card.config == config
    assert saved["data_sha256"] and saved["keras_version"] and saved["tensorflow_version"]
    assert read_card(card_path_for(out)) == card
    assert len(card.history["accuracy"]) == 3


def test_same_seed_gives_the_same_model(synthetic_npz):
    data = load_mnist(synthetic_npz)
    config = TrainConfig(epochs=1, batch_size=16, seed=7)
    first, second = train(config, data), train(config, data)
    np.testing.assert_allclose(first.model.get_weights()[0], second.model.get_weights()[0], atol=1e-6)


def test_learns_real_mnist_from_a_small_slice(mnist):
    small = replace(
        mnist,
        x_train=mnist.x_train[:4000],
        y_train=mnist.y_train[:4000],
        x_test=mnist.x_test[:1000],
        y_test=mnist.y_test[:1000],
    )
    result = train(TrainConfig(epochs=2, batch_size=64), small)
    assert result.test_accuracy > 0.85  # chance is 0.10


def test_seed_recipe_is_the_notebooks():
    seed = TrainConfig.seed_recipe()
    assert (seed.epochs, seed.batch_size, seed.optimizer, seed.learning_rate, seed.schedule, seed.precision) == (
        5,
        64,
        "rmsprop",
        1e-3,
        "constant",
        "float32",
    )
    assert TrainConfig.seed_recipe(seed=3).seed == 3


def test_cosine_schedule_warms_up_then_decays_to_zero():
    from cnn.training.train import learning_rate_for

    config = TrainConfig(epochs=2, batch_size=100, learning_rate=3e-3, schedule="cosine")
    schedule = learning_rate_for(config, train_samples=1000)  # 10 steps per epoch, 20 in all
    rates = [float(schedule(step)) for step in range(21)]
    peak = int(np.argmax(rates))
    assert rates[0] == pytest.approx(3e-4) and rates[peak] == pytest.approx(3e-3)
    assert peak == 2  # 10% of 20 steps
    assert all(a >= b for a, b in zip(rates[peak:], rates[peak + 1 :], strict=False))
    assert rates[-1] == pytest.approx(0.0, abs=1e-9)
    assert learning_rate_for(TrainConfig(schedule="constant", learning_rate=0.01), 1000) == 0.01


def test_validation_split_holds_out_data_and_reports_it(synthetic_npz):
    reports = []
    config = TrainConfig(epochs=1, batch_size=10, validation_split=0.5)
    train(config, load_mnist(synthetic_npz), on_progress=reports.append)
    batches = [r for r in reports if r.kind == "batch"]
    assert len(batches) == 3  # 30 of the 60 images, in batches of 10
    assert reports[-1].kind == "epoch" and reports[-1].val_accuracy is not None


def test_the_model_is_saved_before_its_shifted_accuracy_is_measured(synthetic_npz, tmp_path):
    out = tmp_path / "model.keras"
    on_disk_when_saved = []

    def saved(card):
        on_disk_when_saved.append((load_model(out).count_params(), read_card(card_path_for(out)), card))

    phases = Phases()
    card = train_and_save(
        TrainConfig(epochs=1, batch_size=16), load_mnist(synthetic_npz), out, on_saved=saved, phases=phases
    )
    [(parameters, first_card, told)] = on_disk_when_saved
    assert parameters == 93_322 and first_card == told
    assert told.shift_accuracy_pending and told.shift_accuracy == {}
    assert not card.shift_accuracy_pending and set(card.shift_accuracy) == {"0", "2", "4", "6"}
    assert read_card(card_path_for(out)) == card  # rewritten with the shifted accuracy
    assert {"build", "fit", "snapshots", "evaluate", "save", "shifted accuracy"} <= set(phases.seconds)


def test_a_model_replaced_while_its_shift_is_measured_keeps_the_new_card(synthetic_npz, tmp_path):
    out = tmp_path / "model.keras"
    newer = {}

    def replaced_by_another_training(card):
        save_model_atomically(build_model(), out)
        newer["card"] = replace(card, test_accuracy=0.5)
        write_card(newer["card"], card_path_for(out))

    train_and_save(
        TrainConfig(epochs=1, batch_size=16), load_mnist(synthetic_npz), out, on_saved=replaced_by_another_training
    )
    assert read_card(card_path_for(out)) == newer["card"]


def test_the_default_recipe_trains_in_bfloat16_and_saves_a_float32_model(synthetic_npz, tmp_path):
    import keras

    from cnn.net.network import load_network

    class ComputeDtypes(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.update((layer.name, layer.compute_dtype) for layer in self.model.layers)

    seen = set()
    data = load_mnist(synthetic_npz)
    result = train(TrainConfig(epochs=1, batch_size=16), data, callbacks=(ComputeDtypes(),))
    assert ("conv2", "bfloat16") in seen and ("probabilities", "float32") in seen  # the softmax stays float32
    assert keras.config.dtype_policy().name == "float32"  # the global policy is put back after building
    assert {layer.dtype_policy.name for layer in result.model.layers} == {"float32"}
    assert all(w.dtype == np.float32 for w in result.model.get_weights())

    out = tmp_path / "model.keras"
    save_model_atomically(result.model, out)
    loaded = load_model(out)
    assert {layer.dtype_policy.name for layer in loaded.layers} == {"float32"}
    keras_probabilities = np.asarray(loaded(data.x_test, training=False))
    np.testing.assert_allclose(load_network(out).predict(data.x_test), keras_probabilities, atol=1e-5)
    # The card's accuracy is the float32 model's, the one that is saved and served.
    assert result.test_accuracy == pytest.approx(float((keras_probabilities.argmax(axis=1) == data.y_test).mean()))


def test_float32_precision_trains_in_float32(synthetic_npz):
    import keras

    class ComputeDtypes(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.update(layer.compute_dtype for layer in self.model.layers)

    seen = set()
    train(
        TrainConfig(epochs=1, batch_size=16, precision="float32"),
        load_mnist(synthetic_npz),
        callbacks=(ComputeDtypes(),),
    )
    assert seen == {"float32"}
