"""A throwaway PostgreSQL server for the class wall's store tests: Debian's postgresql package,
a fresh cluster in a temporary folder, listening on 127.0.0.1 only, stopped at the end.

`TEST_DATABASE_URL` (a postgresql+psycopg:// URL of a server you run) is used instead when set.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time

from harness.browser import free_port


def postgres_bin() -> str | None:
    """Debian's server programs (initdb, pg_ctl), newest version first; None if not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return os.path.dirname(found[0]) if found else None


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and the server refuse to run as root; Debian's package creates the postgres user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running_postgres():
    """Yields a SQLAlchemy URL of a fresh, empty server; stops and deletes it afterwards."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    programs = postgres_bin()
    if programs is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    folder = tempfile.mkdtemp(prefix="wall-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = os.path.join(folder, "data"), free_port()
    subprocess.run(
        _as_postgres([f"{programs}/initdb", "-D", data, "-U", "wall", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres([f"{programs}/pg_ctl", "-D", data, "-o", options, "-l", f"{folder}/log", "-w", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        url = f"postgresql+psycopg://wall@127.0.0.1:{port}/postgres"
        _wait_until_ready(url)
        yield url
    finally:
        subprocess.run(_as_postgres([f"{programs}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_ready(url: str, timeout: float = 30) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect():
                return
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            engine.dispose()


def fresh_database(server_url: str, name: str) -> str:
    """A new empty database on the server; its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False))
