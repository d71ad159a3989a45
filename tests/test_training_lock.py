"""One training per model file across processes: a second one is refused, a killed holder leaves
no stale lock, and the refusal says where the training runs."""

import signal
import subprocess
import sys
import time

import pytest

from cnn.config import TrainConfig
from cnn.jobs.training_job import AlreadyTraining, TrainingJob
from cnn.jobs.training_lock import TrainingLock
from tests.support import REPO

HOLD = """
import sys, time
from cnn.jobs.training_lock import TrainingLock
lock = TrainingLock(sys.argv[1])
assert lock.acquire({"started_by": "the other replica", "progress": "epoch 1 of 2"})
print("holding", flush=True)
time.sleep(120)
"""


@pytest.fixture
def other_process(tmp_path):
    """Another process that holds the training lock of tmp_path/model.keras until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "model.keras")], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "holding"
    process.model = tmp_path / "model.keras"
    yield process
    process.kill()
    process.wait(timeout=10)


def test_a_lock_held_by_another_process_is_refused_and_described(tmp_path, other_process):
    lock = TrainingLock(tmp_path / "model.keras")
    assert not lock.acquire({"started_by": "me"})
    holder = lock.holder()
    assert holder["started_by"] == "the other replica" and holder["pid"] == other_process.pid


def test_a_killed_holder_leaves_no_stale_lock(tmp_path, other_process):
    lock = TrainingLock(tmp_path / "model.keras")
    other_process.send_signal(signal.SIGKILL)
    other_process.wait(timeout=10)
    assert lock.holder() is None
    assert lock.acquire({"started_by": "me"})
    lock.release()
    assert lock.holder() is None


@pytest.mark.slow
def test_a_training_job_is_refused_while_another_process_trains(tmp_path, other_process):
    job = TrainingJob(tmp_path / "model.keras", load_data=lambda: pytest.fail("must not train"))
    assert "another server process (epoch 1 of 2" in job.elsewhere()
    with pytest.raises(AlreadyTraining, match="in another server process"):
        job.start(TrainConfig(epochs=1))
    assert not job.status().running


@pytest.mark.slow
def test_two_jobs_on_one_model_in_one_process_train_one_at_a_time(tmp_path):
    # Two replicas as two objects: the lock is per open file, so it separates them here too.
    import numpy as np

    from cnn.files.mnist import load_mnist
    from tests.support import make_mnist_arrays

    np.savez(tmp_path / "mnist.npz", **make_mnist_arrays(train=400, test=20))
    data = load_mnist(tmp_path / "mnist.npz")
    first = TrainingJob(tmp_path / "model.keras", load_data=lambda: data)
    second = TrainingJob(tmp_path / "model.keras", load_data=lambda: data)
    first.start(TrainConfig(epochs=30, batch_size=8))
    with pytest.raises(AlreadyTraining, match="another server process"):
        second.start(TrainConfig(epochs=1))
    first.cancel()
    first.wait(timeout=60)
    deadline = time.monotonic() + 10
    while second.elsewhere() is not None:  # released as the first one finished
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second.start(TrainConfig(epochs=1, batch_size=64))
    assert second.wait(timeout=120).state == "succeeded"


@pytest.mark.slow
def test_retrain_pressed_while_another_replica_trains_is_refused(canvas, model_copy, other_process):
    from tests.apptest_support import press_retrain, sidebar_text, start_app

    assert model_copy == other_process.model  # the page under test uses the model the other one trains
    app = start_app()
    assert "A training is running in another server process (epoch 1 of 2" in sidebar_text(app)
    press_retrain(app)
    warnings = [w.value for w in app.sidebar.warning]
    assert any("already running in another server process" in w for w in warnings), warnings
    assert not [p for p in app.sidebar.get("progress")]  # nothing started here
