"""Security basics: settings that must stay on, and models loaded without running their code."""

import tomllib

import keras
import pytest

from cnn.model import ModelFileError, load_model
from tests.conftest import REPO


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
    assert not [f for f in tracked if f.endswith((".npz", ".env")) or "secrets.toml" in f]
    assert all((REPO / f).stat().st_size < 5_000_000 for f in tracked if (REPO / f).exists())


def test_the_page_reads_no_path_from_its_users():
    # The only file the page opens is the model it owns (CNN_MODEL_PATH, set by whoever starts
    # the server); nothing a visitor types or uploads becomes a path.
    source = (REPO / "app.py").read_text()
    assert "open(" not in source and "Path(" not in source


def test_served_app_settings_that_keep_strokes_fast():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"
