"""The trained network as plain numpy: read from the same `.keras` file Keras writes, run without
TensorFlow.

    network = load_network("assets/mnist_convnet.keras")    # raises ModelFileError if unusable
    outputs = network.forward(images)                        # layer name -> (N, ...) float32
    network.predict(images)                                  # (N, 10) softmax, in chunks
    network.input_gradient(image, class_index=7)             # d log p(7) / d pixel, (28, 28)

Why not Keras here: the page answers every stroke with one forward pass of a 93,322-parameter
network, which numpy does in well under a millisecond, while importing TensorFlow costs a server
process about 680 MiB and 3-4 s, and each Keras call costs more than the arithmetic. Training and
fine-tuning stay in Keras (cnn/training/train.py); this module only runs what they saved.

It runs the layers this project's networks are made of: Conv2D ('valid' padding, stride 1),
MaxPooling2D (window = stride), Flatten and Dense, with relu, softmax or no activation. Anything
else in a file (a Lambda layer, 'same' padding, ...) is refused with a ModelFileError rather than
run wrongly. Nothing in the file is executed: the layer list is JSON, the weights are HDF5 arrays.
"""

import io
import json
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnn import IMAGE_SIZE, NUM_CLASSES

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
_CHUNK = 256  # images per forward pass in `predict`: bounds conv2's unrolled windows to ~36 MB


class ModelFileError(Exception):
    """A model file that is missing, unreadable or not this project's network."""


@dataclass(frozen=True, eq=False)
class Layer:
    name: str
    kind: str  # "Conv2D", "MaxPooling2D", "Flatten" or "Dense"
    shape: tuple[int, ...]  # output shape without the batch axis
    window: int = 1  # kernel or pool size along each side
    stride: int = 1
    activation: str | None = None  # "relu", "softmax", "linear"; None for layers without one
    kernel: np.ndarray | None = field(default=None, repr=False)
    bias: np.ndarray | None = field(default=None, repr=False)

    @property
    def parameters(self) -> int:
        return sum(int(w.size) for w in (self.kernel, self.bias) if w is not None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """This layer's output for a batch `x`, activation included."""
        if self.kind == "Conv2D":
            return _activate(_convolve(x, self.kernel) + self.bias, self.activation)
        if self.kind == "MaxPooling2D":
            return _max_pool(x, self.window)
        if self.kind == "Flatten":
            return x.reshape(len(x), -1)
        return _activate(x @ self.kernel + self.bias, self.activation)


class Network:
    """A chain of layers from a 28x28x1 image to 10 probabilities."""

    def __init__(self, name: str, layers: Iterable[Layer], input_name: str = "image"):
        self.name = name
        self.layers = tuple(layers)
        self.input_name = input_name  # the Keras InputLayer's name, for the model summary

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"{self.name} has no layer {name!r}")

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    def forward(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for images shaped (N, 28, 28) or (N, 28, 28, 1), by layer name."""
        x = _as_batch(images)
        outputs = {}
        for layer in self.layers:
            x = layer.forward(x)
            outputs[layer.name] = x
        return outputs

    def predict(self, images: np.ndarray) -> np.ndarray:
        """(N, 10) softmax, computed a chunk at a time so 10,000 images stay within memory."""
        images = _as_batch(images)
        if not len(images):
            return np.zeros((0, NUM_CLASSES), np.float32)
        last = self.layers[-1].name
        return np.concatenate([self.forward(images[i : i + _CHUNK])[last] for i in range(0, len(images), _CHUNK)])

    def input_gradient(self, image: np.ndarray, class_index: int) -> np.ndarray:
        """d log p(class_index) / d pixel for one 28x28 image: backpropagation by hand through
        the same layers `forward` runs (the last layer must be a softmax Dense)."""
        inputs = [_as_batch(image)]
        for layer in self.layers:
            inputs.append(layer.forward(inputs[-1]))
        probabilities = inputs[-1]
        # log-softmax: d log p_c / d logit_k = [k == c] - p_k, with 1 - p_c summed from the other
        # probabilities: when p_c rounds to 1 in float32, 1 - p_c would be 0 or noise.
        grad = -probabilities.astype(np.float64)
        grad[0, class_index] = -(grad[0].sum() - grad[0, class_index])
        grad = grad.astype(np.float32)
        for index in range(len(self.layers) - 1, -1, -1):
            layer, x, y = self.layers[index], inputs[index], inputs[index + 1]
            if index < len(self.layers) - 1 and layer.activation == "relu":
                grad = grad * (y > 0)
            grad = _backward(layer, x, y, grad)
        return grad[0, ..., 0]


def _as_batch(images: np.ndarray) -> np.ndarray:
    return np.asarray(images, dtype=np.float32).reshape(-1, *INPUT_SHAPE)


def _activate(x: np.ndarray, activation: str | None) -> np.ndarray:
    if activation == "relu":
        return np.maximum(x, 0, out=x)
    if activation == "softmax":
        x = np.exp(x - x.max(axis=-1, keepdims=True))
        return x / x.sum(axis=-1, keepdims=True)
    return x


def _convolve(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """'valid' convolution, stride 1 (Keras' Conv2D, i.e. cross-correlation), as one matrix
    product over every window: (N, H, W, C) * (k, k, C, F) -> (N, H-k+1, W-k+1, F)."""
    size, _, channels, filters = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))  # N, H', W', C, k, k
    n, height, width = windows.shape[:3]
    # Order each window as (k, k, C), the kernel's own order, so the product lines up.
    unrolled = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * height * width, size * size * channels)
    return (unrolled @ kernel.reshape(-1, filters)).reshape(n, height, width, filters)


def forward_in_chunks(network: Network, images: np.ndarray, chunk: int = _CHUNK):
    """Every layer's outputs for many (N, 28, 28) images (uint8 0-255 or float in [0, 1]), a
    chunk at a time so the unrolled windows stay small: yields (start, outputs) per chunk."""
    for start in range(0, len(images), chunk):
        part = np.asarray(images[start : start + chunk])
        part = part.astype(np.float32) / 255.0 if part.dtype == np.uint8 else part.astype(np.float32)
        yield start, network.forward(part)


def valid_convolution(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """One (H, W) picture through one (k, k) filter, by the same code the network's Conv2D layers
    run (no bias, no activation): the lesson's worked example uses it."""
    x = np.asarray(image, dtype=np.float64)[np.newaxis, :, :, np.newaxis]
    k = np.asarray(kernel, dtype=np.float64)[:, :, np.newaxis, np.newaxis]
    return _convolve(x, k)[0, :, :, 0]


def max_pool(image: np.ndarray, size: int = 2) -> np.ndarray:
    """One (H, W) map through the network's own max pooling ('valid', stride = size)."""
    return _max_pool(np.asarray(image)[np.newaxis, :, :, np.newaxis], size)[0, :, :, 0]


def _max_pool(x: np.ndarray, size: int) -> np.ndarray:
    n, height, width, channels = x.shape
    rows, columns = height // size, width // size  # 'valid': a last partial window is dropped
    x = x[:, : rows * size, : columns * size]
    return x.reshape(n, rows, size, columns, size, channels).max(axis=(2, 4))


def _backward(layer: Layer, x: np.ndarray, y: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """The gradient with respect to the layer's input, given the one with respect to its output
    (before the activation's derivative for relu, which the caller applies)."""
    if layer.kind == "Dense":
        return grad @ layer.kernel.T
    if layer.kind == "Flatten":
        return grad.reshape(x.shape)
    if layer.kind == "MaxPooling2D":
        size = layer.window
        n, rows, columns, channels = y.shape
        cropped = x[:, : rows * size, : columns * size].reshape(n, rows, size, columns, size, channels)
        # The whole gradient goes to the first largest input of each window, as TensorFlow's does:
        # ties are common (a blank region gives every unit the same bias), and sharing would make
        # the heat map depend on how ties are split.
        windows = cropped.transpose(0, 1, 3, 5, 2, 4).reshape(n, rows, columns, channels, size * size)
        first = np.argmax(windows, axis=-1)[..., None] == np.arange(size * size)
        routed = (first * grad[..., None]).reshape(n, rows, columns, channels, size, size)
        spread = routed.transpose(0, 1, 4, 2, 5, 3).reshape(n, rows * size, columns * size, channels)
        result = np.zeros_like(x)
        result[:, : rows * size, : columns * size] = spread
        return result
    # Conv2D: every output position sent its kernel-weighted input window forward; send the
    # gradient back along the same paths.
    size = layer.window
    result = np.zeros_like(x)
    height, width = grad.shape[1:3]
    for row in range(size):
        for column in range(size):
            result[:, row : row + height, column : column + width] += grad @ layer.kernel[row, column].T
    return result


# ---- reading a .keras file ---------------------------------------------------------------------

_RUNNABLE = {"InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense"}
_ACTIVATIONS = {"relu", "softmax", "linear", None}


def load_network(path: str | os.PathLike) -> Network:
    """The network saved at `path` by Keras (cnn.training.model.save_model_atomically), checked to be a
    28x28 digit classifier this module can run."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"no model file at {path}; train one with `python -m cnn train --out {path}`")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights_file = archive.read("model.weights.h5")
        network = _network_from(config, _read_weights(weights_file))
    except Exception as error:  # a bad zip, bad JSON, bad HDF5 or missing keys: all mean "unusable"
        raise ModelFileError(
            f"cannot load the model file {path}: {first_line(error)}; "
            f"retrain it with `python -m cnn train --out {path}`"
        ) from error
    return network


def network_of(model) -> Network:
    """The numpy twin of an in-memory Keras model (for code that has just trained one)."""
    config = {"config": {"name": model.name, "layers": [_layer_entry(layer) for layer in model.layers]}}
    weights = {}
    for layer, key in zip(model.layers, _weight_keys(config["config"]["layers"]), strict=True):
        if key is not None:
            weights[key] = [np.asarray(w) for w in layer.get_weights()]
    return _network_from(config, weights)


def _layer_entry(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _read_weights(content: bytes) -> dict[str, list[np.ndarray]]:
    import h5py  # Keras' own weights format; h5py comes with Keras and imports in milliseconds

    weights = {}
    with h5py.File(io.BytesIO(content), "r") as file:
        for key, group in file["layers"].items():
            variables = group.get("vars", {})
            weights[key] = [np.asarray(variables[str(i)], dtype=np.float32) for i in range(len(variables))]
    return weights


def _snake_case(name: str) -> str:
    # Keras 3 names each layer's weights group after its class, in snake case, numbered in the
    # order the layers come: conv2d, conv2d_1, dense, dense_1 (keras.src.utils.naming.to_snake_case).
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _weight_keys(layers: list[dict]) -> list[str | None]:
    """The HDF5 group of each layer's weights, None for layers without weights."""
    seen: dict[str, int] = {}
    keys = []
    for entry in layers:
        base = _snake_case(entry["class_name"])
        count = seen.get(base, 0)
        seen[base] = count + 1
        keys.append((base if count == 0 else f"{base}_{count}") if entry["class_name"] in ("Conv2D", "Dense") else None)
    return keys


def _network_from(config: dict, weights: dict[str, list[np.ndarray]]) -> Network:
    entries = config["config"]["layers"]
    strange = sorted({entry["class_name"] for entry in entries} - _RUNNABLE)
    if strange:
        raise ModelFileError(f"it has layers this app does not run ({', '.join(strange)})")
    layers, shape, input_name = [], None, "image"
    for entry, key in zip(entries, _weight_keys(entries), strict=True):
        kind, settings = entry["class_name"], entry["config"]
        if kind == "InputLayer":
            shape = tuple(settings.get("batch_shape") or settings.get("batch_input_shape"))[1:]
            input_name = settings.get("name", input_name)
            continue
        if shape is None:
            raise ModelFileError("it has no input layer first")
        layer = _layer(kind, settings, shape, weights.get(key, []) if key else [])
        layers.append(layer)
        shape = layer.shape
    first = entries[0]["config"] if entries else {}
    input_shape = tuple(first.get("batch_shape") or first.get("batch_input_shape") or ())[1:]
    if input_shape != INPUT_SHAPE or shape != (NUM_CLASSES,) or layers[-1].activation != "softmax":
        raise ModelFileError(
            f"not a 28x28 digit classifier (input {input_shape}, output {shape}, "
            f"last activation {layers[-1].activation if layers else None})"
        )
    return Network(config["config"].get("name", "network"), layers, input_name)


def _layer(kind: str, settings: dict, shape: tuple, weights: list[np.ndarray]) -> Layer:
    name = settings["name"]
    activation = settings.get("activation")
    if activation not in _ACTIVATIONS:
        raise ModelFileError(f"{name} uses the activation {activation!r}")
    if kind == "Flatten":
        return Layer(name, kind, (int(np.prod(shape)),))
    if kind == "MaxPooling2D":
        size, strides = tuple(settings["pool_size"]), tuple(settings.get("strides") or settings["pool_size"])
        if settings.get("padding", "valid") != "valid" or len(set(size)) != 1 or strides != size:
            raise ModelFileError(f"{name} is not a square 'valid' pooling")
        rows, columns = shape[0] // size[0], shape[1] // size[0]
        return Layer(name, kind, (rows, columns, shape[2]), size[0], size[0])
    kernel, bias = _kernel_and_bias(name, weights, settings)
    if kind == "Conv2D":
        size = tuple(settings["kernel_size"])
        plain = (
            settings.get("padding") == "valid"
            and tuple(settings.get("strides", (1, 1))) == (1, 1)
            and tuple(settings.get("dilation_rate", (1, 1))) == (1, 1)
            and settings.get("groups", 1) == 1
            and settings.get("data_format", "channels_last") == "channels_last"
            and len(set(size)) == 1
        )
        if not plain or kernel.shape != (*size, shape[2], settings["filters"]):
            raise ModelFileError(f"{name} is not a square 'valid' stride-1 convolution")
        out = (shape[0] - size[0] + 1, shape[1] - size[0] + 1, int(settings["filters"]))
        return Layer(name, kind, out, size[0], 1, activation, kernel, bias)
    if len(shape) != 1 or kernel.shape != (shape[0], settings["units"]):
        raise ModelFileError(f"{name}'s weights do not fit its input {shape}")
    return Layer(name, kind, (int(settings["units"]),), 1, 1, activation, kernel, bias)


def _kernel_and_bias(name: str, weights: list[np.ndarray], settings: dict) -> tuple[np.ndarray, np.ndarray]:
    if not weights:
        raise ModelFileError(f"no weights for {name}")
    kernel = np.array(weights[0], dtype=np.float32, order="C")  # copies: ours alone
    if settings.get("use_bias", True):
        if len(weights) < 2:
            raise ModelFileError(f"no bias for {name}")
        bias = np.array(weights[1], dtype=np.float32)
    else:
        bias = np.zeros(kernel.shape[-1], np.float32)
    # Every session shares these (LoadedModel.kernel hands them out): nobody may change them.
    kernel.setflags(write=False)
    bias.setflags(write=False)
    return kernel, bias


def first_line(error: BaseException) -> str:
    """An error's first line, at most 300 characters: enough for a message on the page."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]
