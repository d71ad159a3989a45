"""Where the class wall's drawings live: a real database, shared by every server process.

    store = WallStore.open()                 # DATABASE_URL, else SQLite under data/
    drawing_id = store.add(drawing)          # one transaction; durable once it returns
    store.recent(24), store.get(drawing_id), store.delete(drawing_id), store.clear()

SQLAlchemy Core, not hand-written SQL for each database: one code path runs on SQLite (the
default, a file in WAL mode, safe for several processes on one machine) and on PostgreSQL (for
replicas on several machines, `DATABASE_URL=postgresql+psycopg://...`), with its connection
pool and transactions. The schema is created on start and carries a version number; a database
written by a newer version of this code is refused rather than misread.
"""

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from cnn import IMAGE_SIZE

SCHEMA_VERSION = 1
DEFAULT_SQLITE = Path(__file__).resolve().parent.parent / "data" / "class_wall.sqlite"

_metadata = sa.MetaData()
_schema = sa.Table(
    "wall_schema",
    _metadata,
    sa.Column("version", sa.Integer, nullable=False),
)
_drawings = sa.Table(
    "wall_drawings",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.Float, nullable=False, index=True),  # time.time()
    sa.Column("session_id", sa.String(64), nullable=False, index=True),  # random, per browser session
    sa.Column("image", sa.LargeBinary, nullable=False),  # 28x28 uint8, the network's input
    sa.Column("picture", sa.LargeBinary, nullable=False),  # PNG: the drawing as drawn, downscaled
    sa.Column("label", sa.SmallInteger, nullable=False),  # the digit the student meant
    sa.Column("predicted", sa.SmallInteger, nullable=False),  # what the network read
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),  # which model read it
)
_log = sa.Table(
    "wall_log",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)


class WallStoreError(Exception):
    """The database cannot be used (unreachable, or written by a newer version)."""


@dataclass(frozen=True)
class WallDrawing:
    image: np.ndarray  # (28, 28) uint8
    picture: bytes  # PNG
    label: int
    predicted: int
    confidence: float
    model_version: str
    session_id: str
    created_at: float = 0.0
    id: int | None = None

    @property
    def read_right(self) -> bool:
        return self.label == self.predicted


def database_url() -> str:
    """DATABASE_URL, else a SQLite file under the project's data/ folder."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # WAL: readers never block the writer, and several processes can share the file. A writer
    # that finds the file locked waits up to 10 s instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")  # a committed send survives a power cut
    cursor.close()


class WallStore:
    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self._create_schema()
        except sa.exc.SQLAlchemyError as error:
            raise WallStoreError(f"cannot open the class wall's database ({self.describe()}): {error}") from error

    @classmethod
    def open(cls) -> "WallStore":
        return cls(database_url())

    def describe(self) -> str:
        """The database, without any password: 'sqlite (data/class_wall.sqlite)'."""
        url = sa.engine.make_url(self.url)
        return f"{url.get_backend_name()} ({url.database})"

    def _create_schema(self) -> None:
        with self.engine.begin() as connection:
            _metadata.create_all(connection)
            versions = [row.version for row in connection.execute(sa.select(_schema.c.version))]
            if not versions:
                connection.execute(_schema.insert().values(version=SCHEMA_VERSION))
            elif max(versions) > SCHEMA_VERSION:
                raise WallStoreError(
                    f"the class wall's database has schema version {max(versions)}, newer than this "
                    f"code's {SCHEMA_VERSION}; update the app"
                )

    @contextlib.contextmanager
    def _connection(self, write: bool):
        """A connection (in a transaction when writing); any database failure, a locked file or
        a server gone away, comes out as WallStoreError, which the page shows as a message."""
        try:
            with self.engine.begin() if write else self.engine.connect() as connection:
                yield connection
        except (sa.exc.SQLAlchemyError, OverflowError) as error:
            detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
            raise WallStoreError(f"the class wall's database ({self.describe()}) failed: {detail}") from error

    def add(self, drawing: WallDrawing) -> int:
        """Store one drawing in one transaction; returns its id."""
        image = np.asarray(drawing.image, dtype=np.uint8)
        if image.shape != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"a wall drawing is 28x28, not {image.shape}")
        with self._connection(write=True) as connection:
            result = connection.execute(
                _drawings.insert().values(
                    created_at=drawing.created_at or time.time(),
                    session_id=drawing.session_id,
                    image=image.tobytes(),
                    picture=drawing.picture,
                    label=int(drawing.label),
                    predicted=int(drawing.predicted),
                    confidence=float(drawing.confidence),
                    model_version=drawing.model_version,
                )
            )
            return int(result.inserted_primary_key[0])

    def recent(self, limit: int = 24) -> list[WallDrawing]:
        """The newest drawings first."""
        query = sa.select(_drawings).order_by(_drawings.c.id.desc()).limit(limit)
        with self._connection(write=False) as connection:
            return [_drawing(row) for row in connection.execute(query)]

    def get(self, drawing_id: int) -> WallDrawing | None:
        with self._connection(write=False) as connection:
            row = connection.execute(sa.select(_drawings).where(_drawings.c.id == int(drawing_id))).first()
        return None if row is None else _drawing(row)

    def count(self) -> int:
        with self._connection(write=False) as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(_drawings)).scalar_one())

    def sent_since(self, since: float, session_id: str | None = None) -> int:
        """How many drawings were sent after `since`, by `session_id` or by everyone (rate limits)."""
        query = sa.select(sa.func.count()).select_from(_drawings).where(_drawings.c.created_at > since)
        if session_id is not None:
            query = query.where(_drawings.c.session_id == session_id)
        with self._connection(write=False) as connection:
            return int(connection.execute(query).scalar_one())

    def labels_and_reads(self) -> tuple[np.ndarray, np.ndarray]:
        """(labels, predictions) of every drawing on the wall, for its accuracy and confusion matrix."""
        with self._connection(write=False) as connection:
            rows = connection.execute(sa.select(_drawings.c.label, _drawings.c.predicted)).all()
        return np.array([r.label for r in rows], dtype=np.int64), np.array([r.predicted for r in rows], dtype=np.int64)

    def images_and_labels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, images (N, 28, 28) uint8, labels), oldest first: the class's data set."""
        query = sa.select(_drawings.c.id, _drawings.c.image, _drawings.c.label).order_by(_drawings.c.id)
        with self._connection(write=False) as connection:
            rows = connection.execute(query).all()
        images = np.array(
            [np.frombuffer(r.image, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE) for r in rows], dtype=np.uint8
        ).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        return np.array([r.id for r in rows], dtype=np.int64), images, np.array([r.label for r in rows], dtype=np.uint8)

    def delete(self, drawing_id: int) -> bool:
        with self._connection(write=True) as connection:
            return connection.execute(_drawings.delete().where(_drawings.c.id == int(drawing_id))).rowcount > 0

    def clear(self) -> int:
        """Remove every drawing; returns how many there were."""
        with self._connection(write=True) as connection:
            return connection.execute(_drawings.delete()).rowcount

    def log(self, action: str, detail: str) -> None:
        """Record a lecturer's action where every server process can see it."""
        with self._connection(write=True) as connection:
            connection.execute(_log.insert().values(at=time.time(), action=action, detail=detail))

    def actions_since(self, action: str, since: float) -> int:
        """How many times `action` was logged after `since` (e.g. wrong passcodes, to slow guessing)."""
        query = sa.select(sa.func.count()).select_from(_log).where(_log.c.action == action, _log.c.at > since)
        with self._connection(write=False) as connection:
            return int(connection.execute(query).scalar_one())

    def actions(self, limit: int = 20) -> list[tuple[float, str, str]]:
        query = sa.select(_log.c.at, _log.c.action, _log.c.detail).order_by(_log.c.id.desc()).limit(limit)
        with self._connection(write=False) as connection:
            return [(row.at, row.action, row.detail) for row in connection.execute(query)]


def _drawing(row) -> WallDrawing:
    return WallDrawing(
        image=np.frombuffer(row.image, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE),
        picture=bytes(row.picture),
        label=int(row.label),
        predicted=int(row.predicted),
        confidence=float(row.confidence),
        model_version=row.model_version,
        session_id=row.session_id,
        created_at=float(row.created_at),
        id=int(row.id),
    )
