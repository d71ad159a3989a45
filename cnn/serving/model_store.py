"""The model every session of the page uses: loaded once, reloaded when its file changes on disk,
and kept at the last good version when a new file turns out to be broken.

    store = ModelStore("assets/mnist_convnet.keras")
    loaded = store.current()      # cheap: one stat() of the file per call
    if loaded: loaded.extractor.run(image)
    store.problem                 # why the newest file was not used, if it was not

Thread-safe: the page calls it from one thread per session.
"""

import dataclasses
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn.files.card import ModelCard, card_path_for, read_card
from cnn.net.anatomy import LayerAnatomy, anatomy
from cnn.net.features import FeatureExtractor
from cnn.net.network import ModelFileError, Network, load_network


@dataclass(frozen=True)
class LoadedModel:
    network: Network  # the numpy network (cnn/net/network.py): no TensorFlow in the server process
    extractor: FeatureExtractor
    card: ModelCard | None
    version: int  # 1, 2, ...: goes up every time a new file is taken into use
    layers: tuple[LayerAnatomy, ...] = ()  # every layer after the input, in the order the data flows
    # layer name -> (kernel, bias) of each Conv2D and Dense layer
    weights: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    @staticmethod
    def of(network: Network, card: ModelCard | None, version: int) -> "LoadedModel":
        weights = {layer.name: (layer.kernel, layer.bias) for layer in network.layers if layer.kernel is not None}
        return LoadedModel(network, FeatureExtractor(network), card, version, tuple(anatomy(network)), weights)

    def kernel(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """(kernel, bias) of a Conv2D or Dense layer, as Keras stores them."""
        return self.weights[layer]

    def layer(self, name: str) -> LayerAnatomy:
        return next(layer for layer in self.layers if layer.name == name)

    def input_of(self, name: str) -> str | None:
        """The layer whose output feeds `name`; None when it is the image itself."""
        index = [layer.name for layer in self.layers].index(name)
        return self.layers[index - 1].name if index else None

    @property
    def first_conv(self) -> str:
        """The Conv2D that reads the image itself: its kernels are pictures of what it looks for."""
        return next(layer.name for layer in self.layers if layer.kind == "Conv2D")

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)


def _signature(path: str) -> tuple | None:
    """What tells us a file changed: inode, size and modification time (atomic renames change
    the inode even when the size and second-resolution time do not). `path` as a string: every
    run of every page asks, and os.stat on a str skips pathlib's conversion each time."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


class ModelStore:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._watched = (str(self.path), str(card_path_for(self.path)))  # the model file and its card
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None
        self._seen: tuple | None = ("never looked",)
        self._card_seen: tuple | None = None
        self.problem: str | None = None  # why the file on disk is not the one in use

    def current(self) -> LoadedModel | None:
        """The model to use now; None only if no good model was ever loaded."""
        signature, card_signature = (_signature(watched) for watched in self._watched)
        if signature == self._seen and card_signature == self._card_seen:
            return self._loaded
        with self._lock:
            if signature != self._seen:
                self._reload(signature)
            elif card_signature != self._card_seen and self._loaded is not None:
                # The card is written just after the model; pick it up when it lands.
                self._loaded = dataclasses.replace(self._loaded, card=read_card(card_path_for(self.path)))
            self._card_seen = card_signature
            return self._loaded

    def _reload(self, signature: tuple | None) -> None:
        # `_seen` is set only once `_loaded` is final: the unlocked fast path in `current` reads
        # them in that order, and must never see the new signature with the old (or no) model.
        try:
            network = load_network(self.path)
        except ModelFileError as error:
            if self._loaded is None:
                self.problem = str(error)
            else:
                self.problem = (
                    f"The model file changed on disk but the new file was rejected, so the page "
                    f"keeps using the previous model. {error}"
                )
            self._seen = signature
            return
        version = 1 if self._loaded is None else self._loaded.version + 1
        self._loaded = LoadedModel.of(network, read_card(card_path_for(self.path)), version)
        self.problem = None
        self._seen = signature
