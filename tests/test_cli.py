"""`python -m cnn`: real subprocesses, as a user would run them."""

import subprocess
import sys

import pytest
from PIL import Image

from tests.support import REPO

pytestmark = pytest.mark.slow


def run_cli(*args, env_extra=None):
    import os

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "cnn", *args], cwd=REPO, capture_output=True, text=True, timeout=300, env=env
    )


def assert_one_line_error(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [
        line
        for line in result.stderr.splitlines()
        if "error" in line.lower() and not line.startswith(("E0000", "W0000", "I0000"))
    ]  # TensorFlow's own log lines
    assert len(errors) == 1, result.stderr


def test_evaluate_shipped_model_on_full_test_set(mnist_path):
    result = run_cli("evaluate", "--data", str(mnist_path))
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy >= 0.99
    assert "10000 images" in result.stdout


def test_the_dense_nets_card_is_what_evaluating_it_gives(mnist_path):
    """The shipped dense net's accuracy, plain and with digits moved, is measured, not claimed."""
    import json

    from cnn import DEFAULT_MLP_PATH

    result = run_cli("evaluate", "--model", str(DEFAULT_MLP_PATH), "--data", str(mnist_path))
    assert result.returncode == 0, result.stderr
    card = json.loads(DEFAULT_MLP_PATH.with_suffix(".json").read_text())
    assert card["config"]["arch"] == "mlp" and card["train_samples"] == 60_000
    accuracy = float(result.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy == pytest.approx(card["test_accuracy"], abs=1e-4)
    moved = result.stdout.split("digits moved ")[1]
    for distance, value in card["shift_accuracy"].items():
        assert f"{distance} px {value:.4f}" in moved
    assert card["shift_accuracy"]["4"] < 0.5 < card["shift_accuracy"]["2"]  # what the page tells


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--epochs", "0"],
        ["train", "--optimizer", "adagrad"],
        ["train", "--arch", "resnet"],
        ["train", "--batch-size", "many"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_end_with_one_line(args):
    assert_one_line_error(run_cli(*args))


def test_missing_model_file(tmp_path, synthetic_npz):
    result = run_cli("evaluate", "--model", str(tmp_path / "none.keras"), "--data", str(synthetic_npz))
    assert_one_line_error(result)
    assert "no model file" in result.stderr


def test_bad_data_file_fails_before_training(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_text("not numpy")
    out = tmp_path / "model.keras"
    result = run_cli("train", "--data", str(bad), "--out", str(out))
    assert_one_line_error(result)
    assert "epoch" not in result.stdout and not out.exists()


def test_train_command_trains_and_saves(tmp_path, synthetic_npz):
    out = tmp_path / "model.keras"
    result = run_cli("train", "--epochs", "2", "--batch-size", "16", "--data", str(synthetic_npz), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "epoch 2/2" in result.stdout and "test accuracy" in result.stdout
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert out.with_suffix(".snapshots.npz").is_file()


def test_train_flags_reach_the_card(tmp_path, synthetic_npz):
    import json

    out = tmp_path / "model.keras"
    result = run_cli(
        "train", "--epochs", "1", "--precision", "float32", "--data", str(synthetic_npz), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(out.with_suffix(".json").read_text())["config"]
    assert (config["epochs"], config["precision"], config["batch_size"]) == (1, "float32", 256)
    seed = run_cli("train", "--seed-recipe", "--epochs", "1", "--data", str(synthetic_npz), "--out", str(out))
    assert seed.returncode == 0, seed.stderr
    config = json.loads(out.with_suffix(".json").read_text())["config"]
    assert (config["epochs"], config["precision"], config["batch_size"]) == (1, "float32", 64)


def test_train_the_dense_net(tmp_path, synthetic_npz):
    import json

    from cnn.training.model import load_model

    out = tmp_path / "mlp.keras"
    result = run_cli("train", "--arch", "mlp", "--epochs", "1", "--data", str(synthetic_npz), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "digits moved 0 px" in result.stdout
    assert [layer.name for layer in load_model(out).layers] == ["image", "pixels", "dense", "probabilities"]
    assert json.loads(out.with_suffix(".json").read_text())["config"]["arch"] == "mlp"


def test_predict_reads_each_picture_and_reports_failures(tmp_path, mnist):
    import json

    pictures = []
    for index in range(3):  # dark ink on light paper, larger than MNIST
        picture = Image.fromarray(255 - (mnist.x_test[index, ..., 0] * 255).astype("uint8"))
        path = tmp_path / f"digit{index}.png"
        picture.resize((140, 140)).save(path)
        pictures.append(path)
    junk = tmp_path / "junk.png"
    junk.write_text("not a picture")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    result = run_cli("predict", "--json", str(pictures[0]), str(junk), str(pictures[1]), str(blank), str(pictures[2]))
    assert result.returncode != 0  # one file failed ...
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(p) for p in (pictures[0], pictures[1], blank, pictures[2])]
    by_path = {r["path"]: r for r in records}
    for index, path in enumerate(pictures):  # ... and the others were still read
        assert by_path[str(path)]["digit"] == int(mnist.y_test[index])
        assert abs(sum(by_path[str(path)]["probabilities"]) - 1) < 1e-3
    assert by_path[str(blank)]["digit"] is None and "nothing" in by_path[str(blank)]["empty"]
    assert "junk.png" in result.stderr and "Traceback" not in result.stderr


def test_predict_plain_output(tmp_path, mnist):
    path = tmp_path / "seven.png"
    Image.fromarray((mnist.x_test[0, ..., 0] * 255).astype("uint8")).save(path)
    result = run_cli("predict", str(path))
    assert result.returncode == 0, result.stderr
    digit, probability = result.stdout.split(": ")[1].split()
    assert digit == "7" and float(probability.strip("()")) > 0.9
