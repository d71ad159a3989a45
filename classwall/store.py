"""Where the class wall's drawings live: a real database, shared by every server process.

    store = WallStore.open()                 # DATABASE_URL, else SQLite under data/
    drawing_id = store.add(drawing)          # one transaction; durable once it returns
    store.recent(24), store.get(drawing_id), store.delete(drawing_id), store.clear()
    store.set_status(drawing_id, HIDDEN)     # moderation: only SHOWN drawings reach the wall
    store.generation()                       # changes whenever a drawing leaves (or joins) the wall

Moderation lives in the database, not in a process: a drawing is HELD (waiting for the lecturer),
SHOWN or HIDDEN, and every reader of the wall's contents (the wall, its numbers, the export, a
fine-tune) asks for SHOWN ones, so a held drawing is kept out in every session of every process.

A wall caches what it shows for a couple of seconds (ui/wall.py), keyed by the store's
generation: a counter in the wall's settings that every hide, approve, delete and clear bumps in
the same transaction, so each process's wall reads the change at its very next refresh. A plain
send does not bump it (it may wait for the cache; sends are many, removals few and urgent).

SQLAlchemy Core, not hand-written SQL for each database: one code path runs on SQLite (the
default, a file in WAL mode, safe for several processes on one machine) and on PostgreSQL (for
replicas on several machines, `DATABASE_URL=postgresql+psycopg://...`), with its connection
pool and transactions. The schema is created on start and carries a version number; an older
database is brought up to date in place (its drawings stay, shown as before), and a database
written by a newer version of this code is refused rather than misread.
"""

import contextlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from cnn import IMAGE_SIZE

# 1: drawings and the lecturer's log. 2: moderation (status), who sent a drawing (browser,
# address, newcomer: the per-client limits) and the wall's settings.
SCHEMA_VERSION = 2
HELD, SHOWN, HIDDEN = "held", "shown", "hidden"
GENERATION = "generation"  # the wall_settings row: bumped by every change that takes a drawing off the wall
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
    # The columns schema 2 added, each with a server default so that rows written before it (and
    # an ALTER TABLE on a full table) get a value: drawings from before moderation stay shown.
    sa.Column("status", sa.String(8), nullable=False, server_default=SHOWN, index=True),
    sa.Column("browser", sa.String(32), nullable=False, server_default=""),  # from the signed cookie
    sa.Column("address", sa.String(64), nullable=False, server_default=""),  # as the proxy passed it
    # Sent from a page opened less than a minute before: counted per address (classwall/sending.py).
    sa.Column("newcomer", sa.Boolean, nullable=False, server_default=sa.false()),
)
# What schema 2 adds to a version-1 table, in order: ALTER TABLE ... ADD COLUMN for each.
# Any fixed 64-bit number, the same in every replica: the advisory lock schema creation holds.
_SCHEMA_LOCK_KEY = 0x5741_4C4C_5343_4845  # "WALLSCHE"
_SCHEMA_ATTEMPTS = 3
_ADDED_IN_2 = ("status", "browser", "address", "newcomer")
_settings = sa.Table(
    "wall_settings",
    _metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
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
    status: str = SHOWN
    browser: str = ""  # the browser's id from its signed cookie (classwall/clients.py), "" if none
    address: str = ""  # the client's address, as the proxy passed it on
    newcomer: bool = False  # sent from a page opened less than a minute before

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
        for attempt in range(_SCHEMA_ATTEMPTS):
            try:
                self._create_schema_once()
                return
            except sa.exc.OperationalError:
                if attempt == _SCHEMA_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def _create_schema_once(self) -> None:
        with self.engine.begin() as connection:
            self._hold_schema_lock(connection)
            _metadata.create_all(connection)  # new tables only; an existing table is left as it is
            versions = [row.version for row in connection.execute(sa.select(_schema.c.version))]
            if not versions:
                connection.execute(_schema.insert().values(version=SCHEMA_VERSION))
            elif max(versions) > SCHEMA_VERSION:
                raise WallStoreError(
                    f"the class wall's database has schema version {max(versions)}, newer than this "
                    f"code's {SCHEMA_VERSION}; update the app"
                )
        if versions and max(versions) < SCHEMA_VERSION:
            self._migrate_to_2()

    def _hold_schema_lock(self, connection) -> None:
        """Replicas start together on one database: without this, two of them both find a table
        missing and both CREATE it, and PostgreSQL fails the second with a duplicate-key error
        (seen in CI). A transaction-level advisory lock makes the second wait for the first's
        commit and then find the table there. (SQLite: a racing writer fails with "locked"
        instead, and _create_schema's retry finds the tables made.)"""
        if self.engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})

    def _migrate_to_2(self) -> None:
        """Add schema 2's columns to a version-1 table. Replicas may start together on one old
        database: whichever adds a column first wins, the others find it there (and an ADD that
        loses the race fails harmlessly and is checked again)."""
        for name in _ADDED_IN_2:
            if name in self._drawing_columns():
                continue
            # The column as CREATE TABLE would write it, default and NOT NULL included.
            definition = sa.schema.CreateColumn(_drawings.c[name]).compile(dialect=self.engine.dialect)
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.text(f"ALTER TABLE wall_drawings ADD COLUMN {definition}"))
            except sa.exc.SQLAlchemyError:
                if name not in self._drawing_columns():
                    raise
        with self.engine.begin() as connection:
            # The index create_all gives a new table (IF NOT EXISTS: SQLite and PostgreSQL alike).
            connection.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_wall_drawings_status ON wall_drawings (status)"))
            connection.execute(_schema.update().where(_schema.c.version < 2).values(version=2))

    def _drawing_columns(self) -> set[str]:
        with self.engine.connect() as connection:
            return {column["name"] for column in sa.inspect(connection).get_columns("wall_drawings")}

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
                    status=drawing.status,
                    browser=drawing.browser,
                    address=drawing.address,
                    newcomer=bool(drawing.newcomer),
                )
            )
            return int(result.inserted_primary_key[0])

    def recent(self, limit: int = 24, status: str = SHOWN) -> list[WallDrawing]:
        """The newest drawings of one status first: by default those the wall may show."""
        query = sa.select(_drawings).where(_drawings.c.status == status).order_by(_drawings.c.id.desc()).limit(limit)
        with self._connection(write=False) as connection:
            return [_drawing(row) for row in connection.execute(query)]

    def get(self, drawing_id: int, status: str | None = SHOWN) -> WallDrawing | None:
        """One drawing, if it has `status` (by default: only a drawing the wall shows; None for any)."""
        query = sa.select(_drawings).where(_drawings.c.id == int(drawing_id))
        if status is not None:
            query = query.where(_drawings.c.status == status)
        with self._connection(write=False) as connection:
            row = connection.execute(query).first()
        return None if row is None else _drawing(row)

    def count(self, status: str | None = SHOWN) -> int:
        """Drawings of one status (None: all stored, held and hidden too, as the wall's size cap counts)."""
        query = sa.select(sa.func.count()).select_from(_drawings)
        if status is not None:
            query = query.where(_drawings.c.status == status)
        with self._connection(write=False) as connection:
            return int(connection.execute(query).scalar_one())

    def set_status(self, drawing_id: int, status: str) -> bool:
        """Hold, show or hide one drawing; True if it exists. Every wall sees it at its next read."""
        if status not in (HELD, SHOWN, HIDDEN):
            raise ValueError(f"a drawing is held, shown or hidden, not {status!r}")
        update = _drawings.update().where(_drawings.c.id == int(drawing_id)).values(status=status)
        with self._connection(write=True) as connection:
            return _bump_generation(connection, connection.execute(update).rowcount) > 0

    def set_status_of_all(self, old: str, new: str) -> int:
        """Every drawing of status `old` to `new` (e.g. approve all held); how many changed."""
        update = _drawings.update().where(_drawings.c.status == old).values(status=new)
        with self._connection(write=True) as connection:
            return _bump_generation(connection, connection.execute(update).rowcount)

    def sent_since(self, since: float, **who: str | bool) -> int:
        """How many drawings were sent after `since` (rate limits), by everyone or by those whose
        columns equal `who` (session_id=..., browser=..., address=..., newcomer=True)."""
        return self.sent_window(since, **who)[0]

    def sent_window(self, since: float, **who: str | bool) -> tuple[int, float | None]:
        """(how many were sent after `since` by `who`, when the oldest of them was): the second
        says when the first of them leaves a rate limit's window."""
        query = sa.select(sa.func.count(), sa.func.min(_drawings.c.created_at)).where(_drawings.c.created_at > since)
        for name, value in who.items():
            query = query.where(_drawings.c[name] == value)
        with self._connection(write=False) as connection:
            count, oldest = connection.execute(query).one()
        return int(count), None if oldest is None else float(oldest)

    def labels_and_reads(self) -> tuple[np.ndarray, np.ndarray]:
        """(labels, predictions) of every drawing the wall shows, for its accuracy and confusion matrix."""
        query = sa.select(_drawings.c.label, _drawings.c.predicted).where(_drawings.c.status == SHOWN)
        with self._connection(write=False) as connection:
            rows = connection.execute(query).all()
        return np.array([r.label for r in rows], dtype=np.int64), np.array([r.predicted for r in rows], dtype=np.int64)

    def images_and_labels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, images (N, 28, 28) uint8, labels) of the drawings the wall shows, oldest first: the
        class's data set, which the export and a fine-tune read (never a held or hidden drawing)."""
        query = (
            sa.select(_drawings.c.id, _drawings.c.image, _drawings.c.label)
            .where(_drawings.c.status == SHOWN)
            .order_by(_drawings.c.id)
        )
        with self._connection(write=False) as connection:
            rows = connection.execute(query).all()
        images = np.array(
            [np.frombuffer(r.image, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE) for r in rows], dtype=np.uint8
        ).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        return np.array([r.id for r in rows], dtype=np.int64), images, np.array([r.label for r in rows], dtype=np.uint8)

    def delete(self, drawing_id: int) -> bool:
        with self._connection(write=True) as connection:
            deleted = connection.execute(_drawings.delete().where(_drawings.c.id == int(drawing_id))).rowcount
            return _bump_generation(connection, deleted) > 0

    def clear(self) -> int:
        """Remove every drawing; returns how many there were."""
        with self._connection(write=True) as connection:
            return _bump_generation(connection, connection.execute(_drawings.delete()).rowcount)

    def generation(self) -> str:
        """A value that changes whenever a drawing is hidden, approved, deleted or cleared (in any
        process): one primary-key read, cheap enough for every wall's every refresh."""
        return self.setting(GENERATION) or "0"

    def setting(self, name: str) -> str | None:
        """A wall setting every process shares (e.g. whether new drawings are held); None if unset."""
        with self._connection(write=False) as connection:
            return connection.execute(sa.select(_settings.c.value).where(_settings.c.name == name)).scalar()

    def set_setting(self, name: str, value: str) -> None:
        with self._connection(write=True) as connection:
            if connection.execute(_settings.update().where(_settings.c.name == name).values(value=value)).rowcount:
                return
            connection.execute(_settings.insert().values(name=name, value=value))

    def shared_secret(self, name: str = "browser_secret") -> bytes:
        """A random secret made once and kept in the database, so every replica signs and checks the
        browsers' cookies with the same key without anyone configuring one. Two processes making it
        at once: the second's insert fails on the key and it reads the first's."""
        value = self.setting(name)
        if value is None:
            try:
                with self._connection(write=True) as connection:
                    connection.execute(_settings.insert().values(name=name, value=secrets.token_hex(32)))
            except WallStoreError:
                pass
            value = self.setting(name)
            if value is None:
                raise WallStoreError(f"the class wall's database ({self.describe()}) kept no {name}")
        return bytes.fromhex(value)

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


def _bump_generation(connection, changed: int) -> int:
    """In the transaction that changed `changed` drawings (if any): count the wall's generation
    up, so every wall's cache sees the change at its next read. `value + 1` in one UPDATE: on
    PostgreSQL a second writer waits for the first's row lock and adds to its value, on SQLite
    writers take turns, so no bump is lost. The row is made the first time (ON CONFLICT DO
    NOTHING: a process making it at the same moment is not an error), then counted up."""
    if not changed:
        return changed
    bump = (
        _settings.update()
        .where(_settings.c.name == GENERATION)
        .values(value=sa.cast(sa.cast(_settings.c.value, sa.Integer) + 1, sa.Text))
    )
    if connection.execute(bump).rowcount == 0:
        insert = _dialect_insert(connection.dialect.name)(_settings).values(name=GENERATION, value="0")
        connection.execute(insert.on_conflict_do_nothing(index_elements=[_settings.c.name]))
        connection.execute(bump)
    return changed


def _dialect_insert(dialect: str):
    """INSERT with ON CONFLICT, which SQLAlchemy offers per dialect (both speak the same SQL)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


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
        status=row.status,
        browser=row.browser,
        address=row.address,
        newcomer=bool(row.newcomer),
    )
