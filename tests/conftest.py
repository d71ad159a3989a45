"""Fixtures: where real MNIST is, small synthetic data sets, the shipped model, the browser.
The helpers behind them live in tests/support.py; tests import helpers from there, not from here."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnn import DEFAULT_MODEL_PATH
from harness.fake_canvas import FakeCanvas
from tests.support import REPO, copy_shipped_dense_net, copy_shipped_model, make_mnist_arrays

# Where this workplace keeps MNIST; CI sets MNIST_NPZ to it as well.
_SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"


def pytest_configure(config):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    subprocess.Popen = _QuickTestsStartNothingHeavy


# Markers mean what they say: a test that is neither `slow` nor `browser` (the quick loop) may not
# start a TensorFlow child, an app server, nginx or PostgreSQL. Enforced here, so a new test that
# does is told to carry the marker instead of quietly slowing everyone's quick loop.
_HEAVY_MODULES = {"cnn.training.worker", "cnn.training.mnist_download", "streamlit"}
_HEAVY_PROGRAMS = {"nginx", "pg_ctl", "initdb", "postgres", "local.sh"}
_quick_test: str | None = None  # node id of the running test while it is a quick one


def pytest_runtest_setup(item):
    global _quick_test
    heavy = item.get_closest_marker("slow") or item.get_closest_marker("browser")
    _quick_test = None if heavy else item.nodeid


def pytest_runtest_teardown(item):
    global _quick_test
    _quick_test = None


def _heavy_command(args) -> str | None:
    argv = [str(a) for a in ([args] if isinstance(args, str | bytes | os.PathLike) else args)]
    if not argv:
        return None
    for before, after in zip(argv, argv[1:], strict=False):
        if before == "-m" and after in _HEAVY_MODULES:
            return after
    names = {Path(a).name for a in argv}
    if ("nginx" in names and "-t" in argv) or ("local.sh" in names and "--check" in argv):
        return None  # nginx -t (and local.sh --check, which runs it) only check a configuration file
    return next(iter(names & _HEAVY_PROGRAMS), None)


class _QuickTestsStartNothingHeavy(subprocess.Popen):
    def __init__(self, args, *rest, **options):
        heavy = _quick_test and _heavy_command(args)
        if heavy:
            raise RuntimeError(f"{_quick_test} starts {heavy}: mark it @pytest.mark.slow (or browser)")
        super().__init__(args, *rest, **options)


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """The real mnist.npz; a test that needs it fails in CI without it and skips elsewhere."""
    path = Path(os.environ.get("MNIST_NPZ") or _SHARED_MNIST)
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"MNIST not found at {path}: CI must set MNIST_NPZ")
        pytest.skip(f"MNIST not found at {path}; set MNIST_NPZ to run this test")
    return path


@pytest.fixture
def mnist_env(mnist_path, monkeypatch) -> Path:
    """MNIST_NPZ pointed at the real data, for pages and jobs that read it themselves."""
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    return mnist_path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from cnn.files.mnist import load_mnist

    return load_mnist(mnist_path)


@pytest.fixture(scope="session")
def shipped_model():
    from cnn.training.model import load_model

    return load_model(DEFAULT_MODEL_PATH)


@pytest.fixture
def synthetic_npz(tmp_path) -> Path:
    path = tmp_path / "mnist.npz"
    np.savez(path, **make_mnist_arrays())
    return path


@pytest.fixture(scope="session")
def shipped_network():
    """The shipped convnet as the page runs it: numpy, read from the same file (cnn/net/network.py)."""
    from cnn.net.network import load_network

    return load_network(DEFAULT_MODEL_PATH)


@pytest.fixture(scope="session")
def extractor(shipped_network):
    from cnn.net.features import FeatureExtractor

    return FeatureExtractor(shipped_network)


@pytest.fixture
def canvas(monkeypatch) -> FakeCanvas:
    fake = FakeCanvas()
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake.module)
    return fake


@pytest.fixture
def model_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped model that the page under test uses and may retrain (and of the
    dense net it is compared with, so retraining that touches no shipped file either)."""
    path = copy_shipped_model(tmp_path)
    monkeypatch.setenv("CNN_MODEL_PATH", str(path))
    monkeypatch.setenv("CNN_MLP_PATH", str(copy_shipped_dense_net(tmp_path)))
    return path


@pytest.fixture(scope="module")
def playwright():
    """One per browser test module: Playwright's sync API cannot be started twice at once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def shipped_models_test_digit_files():
    """The shipped model's unit examples and digit map, found once per run and kept beside it
    (as a lecture's server has them long before the hall arrives): otherwise the first browser
    test to open a unit or the map waits for the server's background build, which took more
    than 30 s on a busy 2-core machine while Chromium drew. Nothing when MNIST is not here (the
    page then says so, and the tests that need them skip on `mnist_path`)."""
    from cnn import DEFAULT_MODEL_PATH
    from cnn.net.network import load_network
    from cnn.serving.digit_maps import DigitMapShelf
    from cnn.serving.unit_examples import UnitExampleShelf, local_test_set

    test_set = local_test_set()
    if isinstance(test_set, str):
        return
    network = load_network(DEFAULT_MODEL_PATH)
    for shelf in (UnitExampleShelf(test_set), DigitMapShelf(test_set)):
        shelf.wait(network, DEFAULT_MODEL_PATH, timeout=300)


@pytest.fixture(scope="module")
def app_url(shipped_models_test_digit_files):
    """The real app, served by `streamlit run` for one test module."""
    from harness.browser import running_app

    with running_app() as url:
        yield url


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """MNIST_NPZ pointed at a small synthetic set (400 training digits), for quick retrains."""
    path = tmp_path / "tiny.npz"
    np.savez(path, **make_mnist_arrays(train=400, test=50))
    monkeypatch.setenv("MNIST_NPZ", str(path))
    return path


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the whole run (tests/postgres.py); started on first use."""
    from tests.postgres import running_postgres

    with running_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])  # a server: slow
def wall_url(request, tmp_path):
    """The class wall's database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'wall.sqlite'}"
    from tests.postgres import fresh_database

    server = request.getfixturevalue("postgres_server")
    return fresh_database(server, f"wall_{abs(hash(request.node.nodeid)) % 10**8}")
