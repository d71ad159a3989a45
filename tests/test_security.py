"""Security basics: settings that must stay on, and models loaded without running their code."""

import tomllib

import keras
import numpy as np
import pytest

from cnn.training.model import ModelFileError, load_model
from tests.support import REPO


def test_streamlit_settings():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 10
    assert config["client"]["showErrorDetails"] == "none"


def test_a_model_file_carrying_code_is_refused(tmp_path):
    inputs = keras.Input((28, 28, 1))
    doubled = keras.layers.Lambda(lambda x: x * 2)(inputs)  # arbitrary Python, stored as bytecode
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(doubled))
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ModelFileError, match="cannot load"):
        load_model(path)


def test_no_secrets_or_data_in_the_repository():
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if f.endswith(".env") or "secrets.toml" in f]
    # The only .npz files are the models' training snapshots (tens of KB), never a data set.
    arrays = [f for f in tracked if f.endswith(".npz")]
    assert all(f.startswith("assets/") and f.endswith(".snapshots.npz") for f in arrays), arrays
    for name in arrays:
        assert (REPO / name).stat().st_size < 200_000
        with np.load(REPO / name) as snapshot:
            assert not {"x_train", "x_test"} & set(snapshot.files)
    assert all((REPO / f).stat().st_size < 5_000_000 for f in tracked if (REPO / f).exists())


def test_the_page_opens_no_file_while_people_use_it(canvas, model_copy, mnist_env, mnist, monkeypatch):
    # The files the page may open are the model it owns (CNN_MODEL_PATH, set by whoever starts
    # the server), its card and MNIST; nothing a visitor draws, types or clicks becomes a path.
    import builtins
    import io
    import site
    import sys

    from harness.canvas_sim import draw_on_canvas
    from tests.apptest_support import start_app

    canvas.drawing = draw_on_canvas(mnist.x_test[0, ..., 0], 0.6, left=40, top=40)
    app = start_app()  # start-up: loads the model, the page's own style and components
    opened = []
    real_open = builtins.open

    def recording_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    monkeypatch.setattr(io, "open", recording_open)
    app.toggle(key="show_closeup").set_value(True).run()
    app.toggle(key="show_report").set_value(True).run()
    app.radio(key="input_source").set_value("MNIST test digit").run()
    app.query_params["view"] = "lecture"
    app.run()
    assert not app.exception
    allowed = {str(model_copy), str(model_copy.with_suffix(".json")), str(mnist_env)}
    installed = (sys.prefix, sys.base_prefix, *site.getsitepackages())  # libraries reading their own files
    own_assets = str(REPO / "static")  # the page's CSS and components, read once
    ours = {path for path in opened if not path.startswith((*installed, own_assets))}
    assert ours <= allowed, ours - allowed


def test_served_app_settings_that_keep_strokes_fast():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"
