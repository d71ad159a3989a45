"""One training at a time across hosts when DATABASE_URL is PostgreSQL: two processes on one
database, one holds the advisory lock and the other is refused (the lock, a TrainingJob, the
command line); SIGKILL the holder and the other can train. The flock stays for one machine."""

import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from cnn.config import TrainConfig
from cnn.jobs.database_lock import DatabaseTrainingLock
from cnn.jobs.training_job import AlreadyTraining, TrainingJob
from cnn.jobs.training_lock import TrainingLock, training_lock
from tests.support import REPO

HOLD = """
import sys, time
from cnn.jobs.training_lock import training_lock
lock = training_lock(sys.argv[1])  # DATABASE_URL from the environment, as a replica reads it
assert type(lock).__name__ == "DatabaseTrainingLock", lock
assert lock.acquire({"started_by": "a pod on another node", "progress": "epoch 1 of 2"})
print("holding", flush=True)
time.sleep(120)
"""


def test_the_lock_follows_database_url(tmp_path, monkeypatch):
    model = tmp_path / "model.keras"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert isinstance(training_lock(model), TrainingLock)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'wall.sqlite'}")
    assert isinstance(training_lock(model), TrainingLock)  # SQLite: one machine, so the flock
    for url in ("postgresql+psycopg://wall@db/wall", "postgresql://wall@db/wall"):
        monkeypatch.setenv("DATABASE_URL", url)
        lock = training_lock(model)  # nothing connects until it is used
        assert isinstance(lock, DatabaseTrainingLock) and not lock.held_here
    assert isinstance(training_lock(model, database_url=""), TrainingLock)


def test_every_model_file_has_its_own_key(tmp_path):
    keys = {DatabaseTrainingLock(tmp_path / name, "postgresql://x/y").key for name in ("a.keras", "b.keras")}
    assert len(keys) == 2 and all(-(2**63) <= key < 2**63 for key in keys)
    assert DatabaseTrainingLock(tmp_path / "a.keras", "postgresql://x/y").key in keys  # stable


@pytest.fixture
def lock_url(request):
    from tests.postgres import fresh_database

    server = request.getfixturevalue("postgres_server")
    return fresh_database(server, f"lock_{abs(hash(request.node.nodeid)) % 10**8}")


@pytest.fixture
def other_host(tmp_path, lock_url, monkeypatch):
    """Another process holding the database's training lock of tmp_path/model.keras until killed;
    this test's process sees the same DATABASE_URL."""
    monkeypatch.setenv("DATABASE_URL", lock_url)
    model = tmp_path / "model.keras"
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(model)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    process.model = model
    yield process
    process.kill()
    process.wait(timeout=10)


def _rows(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM training_lock_holders")).scalar()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_lock_held_by_another_process_is_refused_and_described(other_host):
    lock = training_lock(other_host.model)
    assert isinstance(lock, DatabaseTrainingLock)
    assert not lock.acquire({"started_by": "me"})
    holder = lock.holder()
    assert holder["started_by"] == "a pod on another node" and holder["pid"] == other_host.pid
    assert holder["progress"] == "epoch 1 of 2" and holder["host"]
    assert training_lock(other_host.model.with_name("other.keras")).acquire({})  # another model: its own lock


@pytest.mark.slow
def test_a_killed_holder_frees_the_lock_and_its_row_claims_nothing(other_host, lock_url):
    lock = training_lock(other_host.model)
    other_host.send_signal(signal.SIGKILL)
    other_host.wait(timeout=10)
    assert _rows(lock_url) == 1  # the killed holder never deleted its row...
    deadline = time.monotonic() + 10  # ...but the server ends its session as the socket closes
    while lock.holder() is not None:
        assert time.monotonic() < deadline, "the server kept a dead holder's lock"
        time.sleep(0.05)
    assert lock.acquire({"started_by": "me"})
    assert lock.holder()["started_by"] == "me" and lock.held_here
    lock.update({"progress": "epoch 2 of 2"})
    assert training_lock(other_host.model).holder()["progress"] == "epoch 2 of 2"  # as another pod sees it
    lock.release()
    assert training_lock(other_host.model).holder() is None and _rows(lock_url) == 0
    assert training_lock(other_host.model).acquire({})  # released for real, not only forgotten


@pytest.mark.slow
def test_a_training_job_and_the_command_line_are_refused_while_another_host_trains(other_host, lock_url, tmp_path):
    job = TrainingJob(other_host.model, load_data=lambda: pytest.fail("must not train"))
    assert "another server process (epoch 1 of 2" in job.elsewhere()
    with pytest.raises(AlreadyTraining, match="in another server process"):
        job.start(TrainConfig(epochs=1))
    assert not job.status().running
    cli = subprocess.run(
        [sys.executable, "-m", "cnn", "train", "--epochs", "1", "--out", str(other_host.model)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode != 0 and "another process is training" in cli.stderr, cli.stderr
    assert not other_host.model.exists()


def test_an_unreachable_database_is_said_not_taken_for_a_training(tmp_path):
    from harness.browser import free_port

    lock = training_lock(tmp_path / "model.keras", f"postgresql+psycopg://wall@127.0.0.1:{free_port()}/wall")
    assert lock.holder() is None  # nobody can tell: the page says nothing rather than fail
    with pytest.raises(OSError, match="cannot reach the training lock's database"):
        lock.acquire({})
