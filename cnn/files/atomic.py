"""The one way this project replaces a file: write a temporary file beside it, flush it to disk,
rename it over the old one. A crash, Ctrl-C or SIGKILL at any moment leaves the old file whole.

    with replacing(path, suffix=".keras") as temporary:
        model.save(temporary)
"""

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

_PUBLIC_READ = 0o644  # mkstemp makes files 0600; models and cards are not secrets
# A temporary file this old is what a killed save left behind (a save takes about a second).
_STALE_SECONDS = 3600


@contextlib.contextmanager
def replacing(path: str | os.PathLike, suffix: str) -> Iterator[Path]:
    """Yields a temporary path in `path`'s folder (same file system, so the rename is atomic);
    when the block ends without an error, that file replaces `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=suffix)
    os.close(fd)
    os.chmod(name, _PUBLIC_READ)
    try:
        yield Path(name)
        _fsync_file(name)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    _remove_stale_temporaries(path, suffix)


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    with replacing(path, Path(path).suffix) as temporary:
        temporary.write_text(text, encoding="utf-8")


def _remove_stale_temporaries(path: Path, suffix: str) -> None:
    """Delete temporary files that killed saves of `path` left behind, so they do not pile up."""
    cutoff = time.time() - _STALE_SECONDS
    for leftover in path.parent.glob(f".{path.stem}-*{suffix}"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to delete


def _fsync_file(name: str) -> None:
    with open(name, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and harmless to skip.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
