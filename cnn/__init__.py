"""The model package behind the digit-reading app: network, data, training, preprocessing and
feature maps. It never imports Streamlit; the page (`app.py`) calls it, never the other way round.

Only the modules that train import Keras (training, fine_tune, model, snapshot_recorder, and
train_worker's child process when it runs them): everything the page uses, the network itself
included (`cnn.network`, numpy), imports without TensorFlow.
"""

from pathlib import Path

# The model that ships with the project and that the app and the CLI load by default.
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_MODEL_PATH = ASSETS_DIR / "mnist_convnet.keras"
# The plain dense network the notebook compares the convnet with, shipped beside it.
DEFAULT_MLP_PATH = ASSETS_DIR / "mnist_mlp.keras"

IMAGE_SIZE = 28  # MNIST images are 28x28 greyscale
NUM_CLASSES = 10
