"""`python -m cnn`: real subprocesses, as a user would run them."""

import subprocess
import sys

import pytest

from tests.conftest import REPO


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


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--epochs", "0"],
        ["train", "--optimizer", "adagrad"],
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
    result = run_cli(
        "train", "--epochs", "2", "--batch-size", "16", "--data", str(synthetic_npz), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "epoch 2/2" in result.stdout and "test accuracy" in result.stdout
    assert out.is_file() and out.with_suffix(".json").is_file()
