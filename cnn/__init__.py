"""The model package behind the digit-reading app. It never imports Streamlit; the page
(`app.py`, `ui/`) calls it, never the other way round. Its folders say where code runs and what
it may import:

- `cnn/net/`: the network in numpy and what is computed from one reading (server, CLI, child);
- `cnn/files/`: cards, snapshots, candidates, MNIST files, pictures on disk (anywhere);
- `cnn/serving/`: what the server holds for all sessions (the loaded model, the test digits);
- `cnn/jobs/`: the server's control of trainings run in a child process, and their protocol;
- `cnn/training/`: the only code that imports Keras and TensorFlow (the child, the CLI).

tests/test_layering.py holds the folders to this: nothing outside `cnn/training/` imports Keras,
and a fresh interpreter that imports everything the page imports has no TensorFlow in it.
"""

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The model that ships with the project and that the app and the CLI load by default.
ASSETS_DIR = PROJECT_DIR / "assets"
DEFAULT_MODEL_PATH = ASSETS_DIR / "mnist_convnet.keras"
# The plain dense network the notebook compares the convnet with, shipped beside it.
DEFAULT_MLP_PATH = ASSETS_DIR / "mnist_mlp.keras"

IMAGE_SIZE = 28  # MNIST images are 28x28 greyscale
NUM_CLASSES = 10


def child_environment() -> dict[str, str]:
    """The environment for a child process that runs a module of this package (a training, the
    MNIST download): this one's, with this project importable wherever the server was started."""
    paths = [str(PROJECT_DIR), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
