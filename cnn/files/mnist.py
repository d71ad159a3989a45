"""Loading MNIST in Keras' `mnist.npz` layout, with one clear error for every kind of bad file.

Where the data comes from, first match wins:
1. a path the caller gives (`--data PATH` on the command line);
2. the `MNIST_NPZ` environment variable;
3. Keras' download (what `keras.datasets.mnist.load_data()` fetches; needs internet the first
   time), run in a child process (cnn/training/mnist_download.py) so that TensorFlow never loads
   into the caller: the page uses this module too.
"""

import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn import IMAGE_SIZE, NUM_CLASSES, child_environment

ENV_VAR = "MNIST_NPZ"
_KEYS = ("x_train", "y_train", "x_test", "y_test")
DOWNLOAD_TIMEOUT = 600  # seconds: 11 MB on a slow line, plus TensorFlow's start in the child
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # of Keras' download
_OFFLINE = f"offline, set {ENV_VAR}=/path/to/mnist.npz or pass --data PATH"


class MnistError(Exception):
    """MNIST could not be loaded; the message says why and how to point the loader at a file."""


@dataclass(frozen=True)
class Mnist:
    x_train: np.ndarray  # (N, 28, 28, 1) float32 in [0, 1]
    y_train: np.ndarray  # (N,) int64 in 0..9
    x_test: np.ndarray  # (M, 28, 28, 1) float32 in [0, 1]
    y_test: np.ndarray  # (M,) int64 in 0..9
    source: str  # the file it came from, or "keras download"
    sha256: str | None  # of the file, when one was read

    def __repr__(self) -> str:
        return f"Mnist(train={len(self.y_train)}, test={len(self.y_test)}, source={self.source!r})"


def resolve_path(path: str | os.PathLike | None = None) -> Path | None:
    """The file the loader would read, or None when it would fall back to Keras' download."""
    if path:
        return Path(path)
    from_env = os.environ.get(ENV_VAR)
    return Path(from_env) if from_env else None


def load_mnist(path: str | os.PathLike | None = None) -> Mnist:
    """Load MNIST as float32 images in [0, 1] shaped (N, 28, 28, 1) and integer labels."""
    file = resolve_path(path)
    if file is None:
        arrays, downloaded = keras_cached_arrays() or _download_with_keras()
        return _normalise(arrays, source=f"keras download ({downloaded})", sha256=sha256_of(downloaded))
    return _normalise(read_npz(file), source=str(file), sha256=sha256_of(file))


def read_npz(file: Path) -> dict[str, np.ndarray]:
    """Read and check the raw uint8 arrays of an `mnist.npz` file."""
    how_to_fix = f"point --data or {ENV_VAR} at a good copy of Keras' mnist.npz"
    if not file.is_file():
        raise MnistError(f"MNIST file {file} does not exist; {how_to_fix}")
    try:
        with np.load(file, allow_pickle=False) as npz:
            missing = [key for key in _KEYS if key not in npz.files]
            if missing:
                raise MnistError(
                    f"MNIST file {file} lacks the arrays {', '.join(missing)} "
                    f"(it has {', '.join(npz.files) or 'none'}); {how_to_fix}"
                )
            arrays = {key: npz[key] for key in _KEYS}
    except MnistError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise MnistError(
            f"MNIST file {file} is not a readable .npz ({type(error).__name__}: "
            f"{str(error)[:200]}); it may be truncated or corrupt; {how_to_fix}"
        ) from error
    problem = _find_problem(arrays)
    if problem:
        raise MnistError(f"MNIST file {file}: {problem}; {how_to_fix}")
    return arrays


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _find_problem(arrays: dict[str, np.ndarray]) -> str | None:
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.dtype != np.uint8 or labels.dtype != np.uint8:
            return f"x_{split}/y_{split} must be uint8, not {images.dtype}/{labels.dtype}"
        if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            return f"x_{split} must be shaped (N, 28, 28), not {images.shape}"
        if labels.shape != (images.shape[0],):
            return f"y_{split} must be shaped ({images.shape[0]},), not {labels.shape}"
        if images.shape[0] == 0:
            return f"x_{split} is empty"
        if labels.max() >= NUM_CLASSES:
            return f"y_{split} has labels outside 0-9 (max {labels.max()})"
    return None


def keras_cached_arrays() -> tuple[dict[str, np.ndarray], Path] | None:
    """Keras' cached download, read without the network or a child process; None when there is
    none, or only a damaged one (the child's download then replaces it: Keras checks its hash)."""
    keras_home = os.environ.get("KERAS_HOME")
    folders = [Path(keras_home)] if keras_home else [Path.home() / ".keras", Path("/tmp/.keras")]
    for folder in folders:
        file = folder / "datasets" / "mnist.npz"
        if file.is_file():
            try:
                return read_npz(file), file
            except MnistError:
                continue
    return None


def _download_with_keras() -> tuple[dict[str, np.ndarray], Path]:
    try:
        child = subprocess.run(
            [sys.executable, "-m", "cnn.training.mnist_download"],
            capture_output=True,
            text=True,
            timeout=DOWNLOAD_TIMEOUT,
            env=child_environment(),
        )
    except subprocess.TimeoutExpired as error:
        raise MnistError(f"no MNIST file given and the download took over {DOWNLOAD_TIMEOUT} s; {_OFFLINE}") from error
    if child.returncode != 0:
        why = (child.stderr.strip().splitlines() or ["no reason given"])[-1][:200]
        raise MnistError(f"no MNIST file given and the download failed ({why}); {_OFFLINE}")
    file = Path(child.stdout.strip().splitlines()[-1])
    return read_npz(file), file


def _normalise(arrays: dict[str, np.ndarray], source: str, sha256: str | None) -> Mnist:
    def images(key: str) -> np.ndarray:
        return (arrays[key].astype(np.float32) / 255.0)[..., np.newaxis]

    return Mnist(
        x_train=images("x_train"),
        y_train=arrays["y_train"].astype(np.int64),
        x_test=images("x_test"),
        y_test=arrays["y_test"].astype(np.int64),
        source=source,
        sha256=sha256,
    )
