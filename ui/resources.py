"""What one server process shares between all its sessions: the model stores (the convnet and
the dense net), the training job, the MNIST test digits, the training snapshots and pictures
drawn once per model; and the session's own name.

Session state it owns: `session_name`.
"""

import os
import secrets

import streamlit as st
from streamlit.runtime.scriptrunner import script_runner
from threadpoolctl import threadpool_limits

from classwall.store import WallStore, database_url
from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH
from cnn.files.mnist import load_mnist
from cnn.files.snapshots import SnapshotHistory, snapshot_path_for
from cnn.jobs.training_job import TrainingJob
from cnn.serving.gallery import GalleryDigits
from cnn.serving.model_store import LoadedModel, ModelStore
from display.render import kernel_grid, png_bytes


@st.cache_resource
def tune_server_process() -> None:
    """Once per server process, two settings that keep strokes cheap.

    One BLAS thread: the network's matrix products (cnn/net/network.py) are tiny, and OpenBLAS's
    helper threads spin-wait for milliseconds after each one. With strokes arriving every few
    milliseconds that spinning cost ~20 ms of CPU per forward pass (a bench of one forward pass
    every 20 ms: 21.4 ms of CPU each with numpy's default 2 threads, 1.5 ms with one).

    No keras.backend.clear_session() after every script run: Streamlit 1.67 does that whenever
    Keras is imported in the process (script_runner._clean_problem_modules). The server never
    imports it, but a process that does (the tests, which run the page in-process) would collect
    the whole heap and empty TensorFlow's caches after every stroke.
    """
    threadpool_limits(limits=1, user_api="blas")
    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = lambda: None


@st.cache_resource(show_spinner="Loading the model...")
def model_store(path: str) -> ModelStore:
    """One per server process: every session shares the loaded model and its extractor."""
    store = ModelStore(path)
    store.current()  # load now, under the spinner, rather than silently on the first look
    return store


@st.cache_resource(show_spinner="Loading the MNIST test set...")
def test_digits() -> GalleryDigits:
    """The 10,000 MNIST test digits, loaded once per server (MNIST_NPZ, else Keras' download)."""
    return GalleryDigits(load_mnist())


@st.cache_resource(max_entries=4)
def first_filters_png(_loaded: LoadedModel, path: str, version: int) -> bytes:
    """The picture of the first Conv2D's kernels: drawn once per model, not on every stroke."""
    return png_bytes(kernel_grid(_loaded.kernel(_loaded.first_conv)[0]))


@st.cache_resource(show_spinner="Loading the dense net...")
def mlp_store(path: str) -> ModelStore:
    """The dense net the convnet is compared with; the page works without it."""
    store = ModelStore(path)
    store.current()
    return store


@st.cache_resource(max_entries=8)
def snapshot_history(path: str, version: int) -> SnapshotHistory | None:
    """The snapshots saved with the model at `path` (read again when its version changes)."""
    return SnapshotHistory.load(snapshot_path_for(path))


@st.cache_resource
def training_job(path: str, mlp_path: str | None = None) -> TrainingJob:
    """One per server process, so a second Retrain from any session is refused."""
    return TrainingJob(path, mlp_path=mlp_path)


def model_path() -> str:
    return os.environ.get("CNN_MODEL_PATH") or str(DEFAULT_MODEL_PATH)


def mlp_path() -> str:
    """The dense net's file: CNN_MLP_PATH, else the shipped one."""
    return os.environ.get("CNN_MLP_PATH") or str(DEFAULT_MLP_PATH)


def session_name() -> str:
    if "session_name" not in st.session_state:
        st.session_state.session_name = f"session {secrets.token_hex(2)}"
    return st.session_state.session_name


def wall_store() -> WallStore:
    """The class wall's database (DATABASE_URL, else SQLite under data/); one pool per process.
    Raises WallStoreError when it cannot be opened (not cached then: the next run tries again)."""
    return _wall_store(database_url())


@st.cache_resource
def _wall_store(url: str) -> WallStore:
    return WallStore(url)
