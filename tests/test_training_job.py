"""One background training per server: start, progress, refuse a second, cancel, failures."""

import os
import signal
import time

import numpy as np
import pytest

from cnn.files.card import read_card
from cnn.files.mnist import MnistError, load_mnist
from cnn.jobs.training_job import CANCELLED, FAILED, SUCCEEDED, AlreadyTraining, TrainingJob
from cnn.training.model import build_model, save_model_atomically
from cnn.training.train import TrainConfig
from tests.support import make_mnist_arrays

pytestmark = pytest.mark.slow  # every test here starts a training child (TensorFlow)


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, **make_mnist_arrays(train=800, test=50))
    return load_mnist(path)


def test_a_training_runs_in_the_background_and_saves(tmp_path, data):
    out = tmp_path / "model.keras"
    job = TrainingJob(out, load_data=lambda: data)
    job.start(TrainConfig(epochs=2, batch_size=32), started_by="tester")
    status = job.wait(timeout=120)
    assert status.state == SUCCEEDED and "test accuracy" in status.message
    assert [p.epoch for p in status.epochs] == [1, 2]
    assert status.curve and status.fraction_done == 1.0
    assert read_card(out.with_suffix(".json")) == status.card
    assert status.started_by == "tester"


def test_a_second_start_is_refused_while_one_runs(tmp_path, data):
    job = TrainingJob(tmp_path / "model.keras", load_data=lambda: data)
    job.start(TrainConfig(epochs=50, batch_size=8))
    with pytest.raises(AlreadyTraining, match="already running"):
        job.start(TrainConfig(epochs=1))
    assert job.cancel()
    assert job.wait(timeout=60).state == CANCELLED


def test_cancel_keeps_the_old_model(tmp_path, data):
    out = tmp_path / "model.keras"
    save_model_atomically(build_model(), out)
    before = out.read_bytes()
    job = TrainingJob(out, load_data=lambda: data)
    job.start(TrainConfig(epochs=50, batch_size=8))
    while job.status().progress is None:  # wait until it really is training
        job.wait(timeout=0.05)
    job.cancel()
    status = job.wait(timeout=60)
    assert status.state == CANCELLED and "previous model" in status.message
    assert out.read_bytes() == before
    assert not job.cancel()  # nothing left to cancel


def test_missing_mnist_is_a_clear_failure(tmp_path):
    def offline():
        raise MnistError("no MNIST file given and the download failed; set MNIST_NPZ")

    job = TrainingJob(tmp_path / "model.keras", load_data=offline)
    job.start(TrainConfig(epochs=1))
    status = job.wait(timeout=30)
    assert status.state == FAILED and "MNIST_NPZ" in status.message
    assert not (tmp_path / "model.keras").exists()
    job.start(TrainConfig(epochs=1))  # a failed run does not block the next one (no AlreadyTraining)
    assert job.wait(timeout=30).state == FAILED  # and fails again, for the same reason
    assert not job.status().running


def _training(job: TrainingJob) -> None:
    """Wait until the child process reports its first batch."""
    deadline = time.monotonic() + 120
    while job.status().progress is None and time.monotonic() < deadline:
        job.wait(timeout=0.05)
    assert job.status().progress is not None


def test_a_killed_training_process_fails_the_job_and_frees_the_lock(tmp_path, data):
    out = tmp_path / "model.keras"
    save_model_atomically(build_model(), out)
    before = out.read_bytes()
    job = TrainingJob(out, load_data=lambda: data)
    job.start(TrainConfig(epochs=50, batch_size=8))
    _training(job)
    os.kill(job._run.child.pid, signal.SIGKILL)  # the OOM killer, say
    status = job.wait(timeout=60)
    assert status.state == FAILED and "ended without a result" in status.message
    assert out.read_bytes() == before
    assert TrainingJob(out, load_data=lambda: data).elsewhere() is None  # no lock left behind
    job.start(TrainConfig(epochs=1, batch_size=32))  # and the next Retrain runs
    assert job.wait(timeout=120).state == SUCCEEDED


def test_a_failure_while_relaying_progress_ends_the_job_and_frees_the_lock(tmp_path, data, monkeypatch):
    job = TrainingJob(tmp_path / "model.keras", load_data=lambda: data)

    def broken(progress):
        raise OSError("disk full")

    monkeypatch.setattr(job, "_on_progress", broken)
    job.start(TrainConfig(epochs=50, batch_size=8))
    status = job.wait(timeout=120)
    assert status.state == FAILED and "disk full" in status.message
    assert not job.status().running
    assert TrainingJob(tmp_path / "model.keras", load_data=lambda: data).elsewhere() is None


def test_the_training_runs_in_another_process_that_does_not_outlive_the_job(tmp_path, data):
    job = TrainingJob(tmp_path / "model.keras", load_data=lambda: data)
    job.start(TrainConfig(epochs=50, batch_size=8))
    _training(job)
    child = job._run.child
    assert child.pid != os.getpid() and child.poll() is None
    job.cancel()
    assert job.wait(timeout=60).state == CANCELLED
    child.wait(timeout=30)  # it ended by itself after its current batch
    assert child.returncode == 0


def test_a_server_started_elsewhere_trains_to_the_same_relative_path(tmp_path, data, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the project's folder: the child must still find `cnn`
    job = TrainingJob("model.keras", load_data=lambda: data)
    job.start(TrainConfig(epochs=1, batch_size=32))
    assert job.wait(timeout=120).state == SUCCEEDED
    assert (tmp_path / "model.keras").is_file()  # relative paths mean what they mean to the server
