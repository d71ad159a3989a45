"""One training at a time per model file, across every server process on the machine: a lock on
a file in the model's folder, not in one process's memory.

    lock = TrainingLock("assets/mnist_convnet.keras")
    if lock.acquire({"started_by": "session 1a2b"}):   # False: someone else is training
        ...; lock.update({"progress": "epoch 1 of 2"}); ...; lock.release()
    lock.holder()   # what the process that trains wrote, or None when nobody trains

It is an flock(2) lock: the kernel drops it when the process that holds it ends, however it ends
(SIGKILL included), so a killed server never leaves a stale lock behind. On shared storage it
holds where the file system supports flock (NFSv4 maps it onto byte-range locks).

Across hosts, when `DATABASE_URL` is PostgreSQL, the lock is the database's instead
(cnn/jobs/database_lock.py); `training_lock()` picks one of the two:

    lock = training_lock("assets/mnist_convnet.keras")   # same calls, whichever it is
"""

import fcntl
import json
import os
import time
from pathlib import Path


def training_lock(model_path: str | os.PathLike, database_url: str | None = None):
    """The database's advisory lock when `database_url` (default: DATABASE_URL) is PostgreSQL, so
    replicas on several hosts train one at a time; else the flock, for one machine (SQLite, or no
    database). Both have acquire / update / release / holder / held_here."""
    url = os.environ.get("DATABASE_URL", "") if database_url is None else database_url
    if url.split(":", 1)[0].split("+", 1)[0] == "postgresql":  # postgresql://, postgresql+psycopg://
        from cnn.jobs.database_lock import DatabaseTrainingLock  # SQLAlchemy only where it is used

        return DatabaseTrainingLock(model_path, url)
    return TrainingLock(model_path)


class TrainingLock:
    def __init__(self, model_path: str | os.PathLike):
        model_path = Path(model_path)
        self.path = model_path.parent / f".{model_path.stem}.training.lock"
        self._held: int | None = None  # our file descriptor while we hold the lock

    def acquire(self, holder: dict) -> bool:
        """Take the lock without waiting; on success record `holder` (plus pid and time) in it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._held = fd
        self.update({"pid": os.getpid(), "since": time.time(), **holder})
        return True

    def update(self, changes: dict) -> None:
        """Merge `changes` into what the lock file says (only while we hold it)."""
        if self._held is None:
            return
        current = self._read(self._held) or {}
        text = json.dumps({**current, **changes}).encode()
        os.ftruncate(self._held, 0)
        os.pwrite(self._held, text, 0)

    def release(self) -> None:
        if self._held is None:
            return
        fd, self._held = self._held, None
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @property
    def held_here(self) -> bool:
        return self._held is not None

    def holder(self) -> dict | None:
        """What the training process wrote, while one holds the lock; None when nobody does."""
        if self._held is not None:
            return self._read(self._held)
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return self._read(fd) or {}
            fcntl.flock(fd, fcntl.LOCK_UN)  # we could take it: nobody trains
            return None
        finally:
            os.close(fd)

    @staticmethod
    def _read(fd: int) -> dict | None:
        try:
            return json.loads(os.pread(fd, 65536, 0) or b"null")
        except ValueError:
            return None
