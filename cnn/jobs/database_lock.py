"""One training at a time per model file across every host: a PostgreSQL advisory lock, for
replicas on several machines (Kubernetes pods, hosts behind one load balancer) that share the
model's folder over the network and the class wall's database.

    lock = DatabaseTrainingLock("/models/mnist_convnet.keras", "postgresql+psycopg://...")
    lock.acquire({"started_by": "session 1a2b"})   # False: someone else is training
    lock.update({"progress": "epoch 1 of 2"}); lock.holder(); lock.release()

The same four calls as the flock (cnn/jobs/training_lock.py), which stays the lock for one
machine. Why not flock on the shared folder: not every network file system honours it, and
where one does not, two pods would train at once. The advisory lock is held by one connection
that lives as long as the training: the server drops it when that connection ends, so a killed
server (SIGKILL included) never leaves a stale lock; a host that vanishes without closing its
connection (a node failure) is noticed by the server's TCP keepalives, set short on this
connection, within about a minute.

What the holder wrote lives in a small table beside the class wall's, one row per model file;
`holder()` trusts a row only while the advisory lock is held, so a row left by a killed holder
never says that someone trains. The lock's key is the model file's absolute path, which the
pods see alike because they mount the same volume at the same place.
"""

import hashlib
import json
import os
import socket
import threading
import time
from pathlib import Path

import sqlalchemy as sa

# Seconds before the server probes an idle lock connection, between probes, and probes lost
# before it gives up: a dead host's lock is freed after about 30 + 3 x 10 s.
_KEEPALIVE = {"tcp_keepalives_idle": 30, "tcp_keepalives_interval": 10, "tcp_keepalives_count": 3}
_CONNECT_TIMEOUT = 5  # seconds; an unreachable database must not hold up a page for long
_SCHEMA_KEY = 0x6469676974  # "digit": serialises creating the table when two pods start together
_CREATE = """
CREATE TABLE IF NOT EXISTS training_lock_holders (
    lock_key BIGINT PRIMARY KEY,
    model_path TEXT NOT NULL,
    holder TEXT NOT NULL,   -- JSON: what the training process wrote
    updated_at DOUBLE PRECISION NOT NULL
)"""


class TrainingLockUnavailable(OSError):
    """The database that holds the training lock cannot be reached."""


def lock_key(model_path: str | os.PathLike) -> int:
    """A signed 64-bit key (what pg_advisory_lock takes) for one model file."""
    digest = hashlib.sha256(f"digit-lens training {os.path.abspath(model_path)}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class DatabaseTrainingLock:
    def __init__(self, model_path: str | os.PathLike, database_url: str):
        self.model_path = str(Path(os.path.abspath(model_path)))
        self.key = lock_key(model_path)
        self._url = database_url
        self._engine: sa.Engine | None = None  # made on first use: a server starts even if the database is down
        self._held: sa.Connection | None = None  # the connection that holds the lock, while we do
        self._making_engine = threading.Lock()  # pages on several threads ask holder() at once

    def __repr__(self) -> str:
        return f"DatabaseTrainingLock({self.model_path!r}, key={self.key}, held_here={self.held_here})"

    def acquire(self, holder: dict) -> bool:
        """Take the lock without waiting; on success record `holder` (plus host, pid and time)."""
        if self._held is not None:
            return False  # one training per lock object, as with the flock
        try:
            connection = self._connect().connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.SQLAlchemyError as error:
            raise TrainingLockUnavailable(f"cannot reach the training lock's database: {error}") from error
        try:
            for name, value in _KEEPALIVE.items():  # settings of this session only, see the docstring
                connection.execute(sa.text(f"SET {name} = {int(value)}"))
            taken = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        except sa.exc.SQLAlchemyError as error:
            connection.invalidate()
            raise TrainingLockUnavailable(f"cannot take the training lock: {error}") from error
        if not taken:
            connection.close()
            return False
        self._held = connection
        record = {"host": socket.gethostname(), "pid": os.getpid(), "since": time.time(), **holder}
        try:
            self._write(record)
        except OSError:
            self.release()
            raise
        return True

    def update(self, changes: dict) -> None:
        """Merge `changes` into what the holder row says (only while we hold the lock)."""
        if self._held is None:
            return
        try:
            current = self._read(self._held) or {}
        except sa.exc.SQLAlchemyError as error:  # an OSError, as the flock's: the job carries on without it
            raise TrainingLockUnavailable(f"cannot read the training's progress: {error}") from error
        self._write({**current, **changes})

    def release(self) -> None:
        if self._held is None:
            return
        connection, self._held = self._held, None
        try:
            connection.execute(sa.text("DELETE FROM training_lock_holders WHERE lock_key = :key"), {"key": self.key})
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except sa.exc.SQLAlchemyError:
            pass  # the connection is gone, and the lock with it
        finally:
            # Closed, never returned to the pool: a pooled connection would keep a session lock.
            connection.invalidate()

    @property
    def held_here(self) -> bool:
        return self._held is not None

    def holder(self) -> dict | None:
        """What the training process wrote, while one holds the lock; None when nobody does (or
        the database cannot be reached: then nobody here can tell, and the page says nothing)."""
        try:  # never through the held connection, which the training's thread uses meanwhile
            with self._connect().connect() as connection:
                # A shared lock is refused only while someone (this process included) holds the
                # exclusive one.
                if connection.execute(sa.text("SELECT pg_try_advisory_lock_shared(:key)"), {"key": self.key}).scalar():
                    connection.execute(sa.text("SELECT pg_advisory_unlock_shared(:key)"), {"key": self.key})
                    connection.commit()
                    return None
                found = self._read(connection)
                connection.commit()
                return found or {}
        except sa.exc.SQLAlchemyError:
            return None

    def _connect(self) -> sa.Engine:
        with self._making_engine:
            return self._engine or self._make_engine()

    def _make_engine(self) -> sa.Engine:
        engine = sa.create_engine(
            self._url, pool_pre_ping=True, pool_size=1, connect_args={"connect_timeout": _CONNECT_TIMEOUT}
        )
        try:
            with engine.begin() as connection:
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_KEY})
                connection.execute(sa.text(_CREATE))
        except sa.exc.SQLAlchemyError:
            engine.dispose()  # tried again on the next call: the database may be back by then
            raise
        self._engine = engine
        return engine

    def _write(self, record: dict) -> None:
        statement = sa.text(
            "INSERT INTO training_lock_holders (lock_key, model_path, holder, updated_at)"
            " VALUES (:key, :path, :holder, :now) ON CONFLICT (lock_key)"
            " DO UPDATE SET model_path = :path, holder = :holder, updated_at = :now"
        )
        try:
            self._held.execute(
                statement, {"key": self.key, "path": self.model_path, "holder": json.dumps(record), "now": time.time()}
            )
        except sa.exc.SQLAlchemyError as error:
            raise TrainingLockUnavailable(f"cannot record the training's progress: {error}") from error

    def _read(self, connection: sa.Connection) -> dict | None:
        row = connection.execute(
            sa.text("SELECT holder FROM training_lock_holders WHERE lock_key = :key"), {"key": self.key}
        ).scalar()
        try:
            return None if row is None else json.loads(row)
        except ValueError:
            return None
