"""A training process killed with SIGKILL at any moment leaves the model file loadable and
unchanged. Real processes, real signals: nothing in the training code gets a chance to clean up."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from cnn.files.card import card_path_for
from cnn.training.model import load_model
from tests.support import REPO, copy_shipped_model, make_mnist_arrays

pytestmark = pytest.mark.slow

# Runs `python -m cnn ARGS...` with one step slowed down, touching MARKER when it gets there, so
# the test can kill the process at exactly that point. HOOK is "none", "half-written" (the
# temporary model file is cut short, as if the process died while writing it) or "before-rename".
WRAPPER = r"""
import os, sys, time
from pathlib import Path
hook, marker, args = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
import keras

def wait_here():
    marker.touch()
    time.sleep(600)

if hook == "half-written":
    real_save = keras.Model.save
    def save(self, path, *a, **k):
        real_save(self, path, *a, **k)
        Path(path).write_bytes(Path(path).read_bytes()[:4000])
        wait_here()
    keras.Model.save = save
elif hook == "before-rename":
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        if str(dst).endswith(".keras"):
            wait_here()
        return real_replace(src, dst, *a, **k)
    os.replace = replace
from cnn.__main__ import main
sys.exit(main(args))
"""


@pytest.fixture
def workspace(tmp_path):
    model = copy_shipped_model(tmp_path)
    data = tmp_path / "mnist.npz"
    np.savez(data, **make_mnist_arrays(train=2000, test=50))
    return model, data


def start_training(hook, marker, model, data, epochs):
    command = [
        sys.executable,
        "-c",
        WRAPPER,
        hook,
        str(marker),
        "train",
        "--data",
        str(data),
        "--out",
        str(model),
        "--epochs",
        str(epochs),
        "--batch-size",
        "32",
    ]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the training never got there"
        time.sleep(0.05)


@pytest.mark.parametrize("moment", ["mid-epoch", "half-written", "before-rename"])
def test_sigkill_at_any_moment_leaves_the_old_model(workspace, tmp_path, mnist, moment):
    model, data = workspace
    before_model, before_card = model.read_bytes(), card_path_for(model).read_text()
    images = mnist.x_test[:200]
    before = load_model(model)(images).numpy()

    marker = tmp_path / "reached"
    hook = "none" if moment == "mid-epoch" else moment
    process = start_training(hook, marker, model, data, epochs=50 if moment == "mid-epoch" else 1)
    try:
        if moment == "mid-epoch":
            assert process.stdout.readline().startswith("training on")
            epoch_line = process.stdout.readline()  # the first epoch ended: now in the second
            assert epoch_line.startswith("epoch 1/50"), epoch_line
            time.sleep(0.3)
        else:
            wait_for(marker.exists)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL

    assert model.read_bytes() == before_model
    assert card_path_for(model).read_text() == before_card
    np.testing.assert_array_equal(load_model(model)(images).numpy(), before)
    accuracy = (before.argmax(axis=1) == mnist.y_test[:200]).mean()
    assert accuracy > 0.97  # and it still scores as before


def test_the_next_save_removes_what_killed_saves_left_behind(workspace, tmp_path):
    from cnn.training.model import build_model, save_model_atomically

    model, _ = workspace
    stale = tmp_path / ".model-killed.keras"  # what a kill during a save leaves behind
    stale.write_bytes(b"half a model")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    in_progress = tmp_path / ".model-writing.keras"  # perhaps another process saving right now
    in_progress.write_bytes(b"being written")
    save_model_atomically(build_model(), model)
    assert load_model(model).count_params() == 93_322
    assert not stale.exists() and in_progress.exists()
