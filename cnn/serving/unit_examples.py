"""The test digits that excite each unit (cnn/net/top_activations.py), for every session: worked out
once per model version in a background thread, kept on disk beside the model file, and never on
a stroke's path.

    shelf = UnitExampleShelf(local_test_set())
    state = shelf.examples(loaded.network, model_path)   # never waits
    state.examples      # TopActivations, or None while building / without MNIST
    state.message       # why there are none, in words for the page

The file is named after the model's content and the test set's, like the page's weights files
(cnn/serving/browser_files.py): `mnist_convnet.unit-examples-<key>.npz`, so a retrain or an
adopted fine-tune (a new model file, new weights) is a new key, built again on its first use, and
replicas sharing the model's folder build it once between them when they can (whichever finishes
first writes it; the others read it). Old versions are removed once KEPT_VERSIONS newer exist.

MNIST comes only from a file already on this machine (MNIST_NPZ, else Keras' cached download):
the server never downloads it for this (cnn/files/mnist.py's download runs TensorFlow in a child
and needs the internet); without one the page says so instead.
"""

import hashlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn.files.atomic import replacing
from cnn.files.mnist import ENV_VAR, MnistError, keras_cached_arrays, read_npz
from cnn.net.network import Network
from cnn.net.top_activations import TopActivations, top_activations

FORMAT = 1  # part of the key: a change to what the file holds makes every old file stale
KEPT_VERSIONS = 2  # per model file: the current one and the one before (a replica mid-switch)
_MEMORY_VERSIONS = 2  # TopActivations kept in memory (about 2.6 MB each for the convnet)
NO_MNIST = (
    f"MNIST is not on this server, so there are no test digits to show. Set {ENV_VAR}=/path/to/mnist.npz "
    "(Keras' layout) before starting the page; the server does not download it."
)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExampleDigits:
    images: np.ndarray  # (N, 28, 28) uint8, as MNIST stores them (a quarter of float32's memory)
    labels: np.ndarray  # (N,) int64 digits
    digest: str  # of images and labels: part of the key, so another test set is another file
    source: str


def local_test_set() -> ExampleDigits | str:
    """MNIST's test digits from a file on this machine, or a sentence saying why there are none."""
    try:
        from_env = os.environ.get(ENV_VAR)
        if from_env:
            arrays, source = read_npz(Path(from_env)), from_env
        else:
            cached = keras_cached_arrays()
            if cached is None:
                return NO_MNIST
            arrays, source = cached[0], str(cached[1])
    except MnistError as error:
        return f"MNIST could not be read, so there are no test digits to show: {error}"
    images, labels = arrays["x_test"], arrays["y_test"].astype(np.int64)
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()[:16]
    return ExampleDigits(images, labels, digest, source)


def model_digest(network: Network) -> str:
    """What the network computes, as 16 hex digits: its layers and every weight."""
    digest = hashlib.sha256()
    for layer in network.layers:
        digest.update(f"{layer.name}|{layer.kind}|{layer.shape}|{layer.window}|{layer.activation};".encode())
        for weights in (layer.kernel, layer.bias):
            if weights is not None:
                digest.update(np.ascontiguousarray(weights, dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ShelfState:
    examples: TopActivations | None
    message: str | None = None  # why there are no examples (yet)
    building: bool = False


class UnitExampleShelf:
    """One per server process; safe to call from every session's thread. Another precompute over
    the test digits kept the same way is a subclass naming its file, format, reader and message
    (cnn/serving/digit_maps.py)."""

    KIND = "unit-examples"  # the file's infix: <model>.<KIND>-<key>.npz
    FORMAT = FORMAT
    BUILDING = "Finding the test digits that excite each unit (a few seconds, once per model)…"
    reader = staticmethod(TopActivations.from_arrays)

    def __init__(self, test_set: ExampleDigits | str, build: Callable[..., TopActivations] = top_activations):
        self.test_set = test_set
        self._build = build
        self._lock = threading.Lock()
        self._ready: dict[str, TopActivations] = {}  # key -> examples, oldest first
        self._building: dict[str, threading.Thread] = {}
        self._failed: dict[str, str] = {}
        self._keys: weakref.WeakKeyDictionary[Network, str] = weakref.WeakKeyDictionary()
        self.builds = 0  # how many times the examples were computed (not read from disk): for tests
        self.seconds: dict[str, float] = {}  # key -> how long its build or read took

    def key(self, network: Network) -> str:
        """The file's key for `network`: its weights hashed once per loaded network."""
        with self._lock:
            if network not in self._keys:
                self._keys[network] = f"{model_digest(network)}-{self.test_set.digest}-{self.FORMAT}"
            return self._keys[network]

    def examples(self, network: Network, model_path: str | os.PathLike) -> ShelfState:
        """The examples for `network` if they are ready; otherwise starts finding them (reading
        the file beside `model_path` if one is there) and returns at once."""
        if isinstance(self.test_set, str):
            return ShelfState(None, self.test_set)
        key = self.key(network)
        with self._lock:
            if key in self._ready:
                return ShelfState(self._ready[key])
            if key in self._failed:
                return ShelfState(None, self._failed[key])
            if key not in self._building:
                thread = threading.Thread(
                    target=self._fill, args=(key, network, Path(model_path)), name="unit-examples", daemon=True
                )
                self._building[key] = thread
                thread.start()
        return ShelfState(None, self.BUILDING, True)

    def wait(self, network: Network, model_path, timeout: float = 60) -> ShelfState:
        """Blocks until the examples for `network` are there (for benchmarks and tests)."""
        self.examples(network, model_path)
        thread = self._building.get(self.key(network))
        if thread is not None:
            thread.join(timeout)
        return self.examples(network, model_path)

    def _fill(self, key: str, network: Network, model_path: Path) -> None:
        started = time.perf_counter()
        file = examples_path(model_path, key, self.KIND)
        try:
            examples = _read(file, key, self.reader)
            if examples is None:
                examples = self._build(network, self.test_set.images, self.test_set.labels)
                with self._lock:
                    self.builds += 1
                _write(file, key, examples, self.KIND)
        except Exception as error:  # a bug or a full disk must not take the page down: say so
            log.exception("finding the %s for %s failed", self.KIND, model_path)
            with self._lock:
                self._failed[key] = f"The test digits for this model could not be worked out ({error})."
                self._building.pop(key, None)
            return
        with self._lock:
            self._ready[key] = examples
            while len(self._ready) > _MEMORY_VERSIONS:
                self._ready.pop(next(iter(self._ready)))
            self._building.pop(key, None)
            self.seconds[key] = time.perf_counter() - started


def examples_path(model_path: Path, key: str, kind: str = UnitExampleShelf.KIND) -> Path:
    return model_path.parent / f"{model_path.stem}.{kind}-{key}.npz"


def _read(file: Path, key: str, reader=TopActivations.from_arrays):
    """The examples in `file`, or None when there is none or it is not for `key` (or damaged)."""
    try:
        with np.load(file, allow_pickle=False) as named:
            if str(named["key"]) != key:
                return None
            return reader({name: named[name] for name in named.files})
    except (OSError, ValueError, KeyError, EOFError):
        return None


def _write(file: Path, key: str, examples, kind: str) -> None:
    """Beside the model, atomically; a folder we cannot write to only means building it again."""
    try:
        with replacing(file, ".npz") as temporary:
            with open(temporary, "wb") as handle:
                np.savez(handle, key=np.asarray(key), **examples.arrays())
        _forget_old_versions(file, kind)
    except OSError as error:
        log.warning("could not keep the %s at %s: %s", kind, file, error)


def _forget_old_versions(keep: Path, kind: str) -> None:
    stem = keep.name.split(f".{kind}-")[0]
    versions = sorted(keep.parent.glob(f"{stem}.{kind}-*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in [p for p in versions if p != keep][KEPT_VERSIONS - 1 :]:
        old.unlink(missing_ok=True)  # another replica may have removed it already
