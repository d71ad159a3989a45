"""The folders say where code runs, and these tests hold them to it: only `cnn/training/` imports
Keras or TensorFlow, `cnn` never imports Streamlit, the server never imports the training code,
and a fresh server process that shows an MNIST test digit (with no MNIST_NPZ set) has no
TensorFlow in it."""

import ast
import os
import subprocess
import sys
import textwrap

import pytest

from tests.support import REPO

# Code that runs in the server process: the page and everything it may import.
SERVER = ["app.py", "ui", "display", "classwall", "cnn/net", "cnn/files", "cnn/serving", "cnn/jobs", "cnn/config.py"]
KERAS = {"keras", "tensorflow", "tf_keras"}


def _python_files(places):
    for place in places:
        path = REPO / place
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def _imported_modules(file):
    """Every module a file imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(file.read_text(), filename=str(file))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _offenders(places, forbidden):
    return sorted(
        f"{file.relative_to(REPO)} imports {module}"
        for file in _python_files(places)
        for module in _imported_modules(file)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    )


def test_the_server_side_imports_neither_keras_nor_the_training_code():
    assert list(_python_files(SERVER)), "the layout moved: SERVER names no file"
    assert _offenders(SERVER, KERAS | {"cnn.training"}) == []


def test_cnn_never_imports_streamlit():
    assert _offenders(["cnn"], {"streamlit", "streamlit_drawable_canvas"}) == []


def test_bench_and_harness_do_not_import_the_tests():
    assert _offenders(["bench", "harness"], {"tests"}) == []


def test_the_check_itself_sees_an_import_inside_a_function(tmp_path):
    file = tmp_path / "sneaky.py"
    file.write_text("def later():\n    from keras import layers\n")
    assert list(_imported_modules(file)) == ["keras"]


@pytest.fixture
def keras_cache_with_mnist(tmp_path, mnist_path):
    """A Keras cache folder holding MNIST, as a machine that downloaded it once has."""
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").symlink_to(mnist_path)
    return tmp_path


def test_a_served_page_showing_a_test_digit_without_mnist_npz_loads_no_tensorflow(keras_cache_with_mnist):
    # The whole page in a fresh interpreter (AppTest runs app.py as Streamlit would), the input
    # switched to an MNIST test digit, which reads Keras' cached download.
    script = textwrap.dedent(
        """
        import sys
        from harness.fake_canvas import FakeCanvas
        sys.modules["streamlit_drawable_canvas"] = FakeCanvas().module
        from streamlit.testing.v1 import AppTest
        app = AppTest.from_file("app.py", default_timeout=120)
        app.run()
        app.radio(key="input_source").set_value("MNIST test digit").run()
        assert not app.exception, app.exception
        shown = [m.value for m in app.main.metric if m.label == "Prediction"]
        assert shown, "no test digit was read"
        print("LOADED", sorted(name for name in ("keras", "tensorflow") if name in sys.modules))
        """
    )
    env = {key: value for key, value in os.environ.items() if key != "MNIST_NPZ"}
    env.update(KERAS_HOME=str(keras_cache_with_mnist), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "LOADED []" in done.stdout, done.stdout[-2000:]


@pytest.mark.slow  # the download's child starts TensorFlow
def test_without_a_cached_copy_the_download_runs_in_a_child_and_offline_says_what_to_set(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        from cnn.files.mnist import MnistError, load_mnist
        try:
            load_mnist()
        except MnistError as error:
            print("REFUSED", error)
        print("LOADED", sorted(name for name in ("keras", "tensorflow") if name in sys.modules))
        """
    )
    env = {key: value for key, value in os.environ.items() if key != "MNIST_NPZ"}
    env.update(KERAS_HOME=str(tmp_path), PYTHONPATH=str(REPO))  # nothing cached, and no internet here
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert "REFUSED no MNIST file given and the download failed" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "MNIST_NPZ=/path/to/mnist.npz" in done.stdout
    assert "LOADED []" in done.stdout
