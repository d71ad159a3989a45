"""The map of the test digits (cnn/net/digit_map.py), for every session: worked out once per model
version in a background thread, kept beside the model file, and never on a stroke's path, the
same way as the unit examples (cnn/serving/unit_examples.py, whose shelf this is).

    shelf = DigitMapShelf(local_test_set())
    state = shelf.examples(loaded.network, model_path)   # never waits
    state.examples      # DigitMap, or None while building / without MNIST
    state.message       # why there is none, in words for the page

The file is `mnist_convnet.digit-map-<key>.npz` (about 2.9 MB: the 64 activations of each test
digit, for the nearest neighbours), keyed by the model's weights and the test set.

The page also needs the map as a picture, sent once per model version: `published_picture` writes
it into the folder Streamlit serves under a name made from the shelf's key, `published_file` the
map's numbers for the page (its points, for the hover, and its projection, to move the dot with the
pen), and `published_sheets` the test digits themselves, 100 to a picture, once per test set.
"""

import shutil
import tempfile
from pathlib import Path

from cnn.files.atomic import replacing
from cnn.net.digit_map import DigitMap, build_digit_map
from cnn.serving.unit_examples import UnitExampleShelf

KEPT_PICTURES = 3  # per model file: the current one and two before (a page mid-switch still finds its picture)


class DigitMapShelf(UnitExampleShelf):
    KIND = "digit-map"
    FORMAT = 1
    BUILDING = "Placing the 10,000 test digits on the map (a few seconds, once per model)…"
    reader = staticmethod(DigitMap.from_arrays)

    def __init__(self, test_set, build=build_digit_map):
        super().__init__(test_set, build)


def published_picture(folder: Path, stem: str, key: str, draw) -> str:
    """The file name (in `folder`) of the picture for `key`, drawn by `draw()` -> PNG bytes the
    first time it is asked for (or found, written by another replica)."""
    return published_file(folder, stem, key, ".png", draw)


def published_file(folder: Path, stem: str, key: str, suffix: str, make) -> str:
    """The name of `folder`/<stem>-<key><suffix>, written from `make()` -> bytes the first time it
    is asked for; the older ones of the same stem and suffix beyond KEPT_PICTURES removed."""
    name = f"{stem}-{key}{suffix}"
    path = folder / name
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        with replacing(path, suffix) as temporary:
            temporary.write_bytes(make())
        versions = sorted(folder.glob(f"{stem}-*{suffix}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in [p for p in versions if p != path][KEPT_PICTURES - 1 :]:
            old.unlink(missing_ok=True)  # another replica may have removed it already
    return name


def published_sheets(folder: Path, key: str, count: int, draw) -> str:
    """The name of the folder in `folder` holding pictures 0.png ... <count - 1>.png, drawn by
    `draw(i)` -> PNG bytes the first time (the test digits' sheets: one set per test set, whatever
    the model)."""
    return published_folder(folder, f"digits-{key}", lambda: ((f"{i}.png", draw(i)) for i in range(count)))


def published_folder(folder: Path, name: str, files) -> str:
    """`name`, a folder in `folder` holding what `files()` yields, (file name, bytes) pairs, the
    first time it is asked for. Written beside it and renamed into place, so a page never finds
    half a set; a replica that loses the race to another keeps the other's."""
    final = folder / name
    if not final.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder))
        try:
            for file_name, data in files():
                (scratch / file_name).write_bytes(data)
            scratch.chmod(0o755)  # mkdtemp's 0700 would hide it from a proxy serving static/ itself
            try:
                scratch.rename(final)
            except OSError:
                if not final.is_dir():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return name
