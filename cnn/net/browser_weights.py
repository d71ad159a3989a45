"""The network as the browser receives it: one binary file made from the same `.keras` file the
server reads (never a second model kept by hand), read by static/js/net/network.js.

    blob = browser_weights(load_network("assets/mnist_convnet.keras"))   # bytes, ~187 KB

Layout, little-endian: b"DLW1", a uint32 header length, the header (UTF-8 JSON, padded with
spaces to a multiple of 4 bytes), then every kernel and bias as float16, one after another, in
the header's order. float16 halves what a phone pulls over hall Wi-Fi (187 KB against 373 KB);
on the 10,000 MNIST test digits it changes no answer and moved no probability by more than
0.00094 (tests/test_browser_network.py holds it under 0.005).

Header: {"format": "DLW1", "name", "input": [28, 28, 1], "dtype": "float16", "layers": [{"name",
"kind", "shape", "window", "stride", "activation", "kernel": [shape], "bias": [shape]}]}, with
kernels in Keras' own order: Conv2D (k, k, C, F), Dense (N, units).
"""

import json
import struct

import numpy as np

from cnn.net.network import INPUT_SHAPE, Network

MAGIC = b"DLW1"
DTYPE = np.dtype("<f2")


def browser_weights(network: Network) -> bytes:
    layers, arrays = [], []
    for layer in network.layers:
        entry = {
            "name": layer.name,
            "kind": layer.kind,
            "shape": list(layer.shape),
            "window": layer.window,
            "stride": layer.stride,
            "activation": layer.activation,
        }
        if layer.kernel is not None:
            entry |= {"kernel": list(layer.kernel.shape), "bias": list(layer.bias.shape)}
            arrays += [layer.kernel, layer.bias]
        layers.append(entry)
    header = {"format": "DLW1", "name": network.name, "input": list(INPUT_SHAPE), "dtype": "float16", "layers": layers}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 4)  # so the float16 data starts 4-byte aligned after the 8-byte prefix
    data = b"".join(np.ascontiguousarray(array, dtype=DTYPE).tobytes() for array in arrays)
    return MAGIC + struct.pack("<I", len(text)) + text + data


def read_browser_weights(blob: bytes) -> tuple[dict, list[np.ndarray]]:
    """The header and the arrays (as float32), as the browser reads them: for tests."""
    if blob[:4] != MAGIC:
        raise ValueError("not a DLW1 weights file")
    (length,) = struct.unpack("<I", blob[4:8])
    header = json.loads(blob[8 : 8 + length])
    offset, arrays = 8 + length, []
    for layer in header["layers"]:
        for key in ("kernel", "bias"):
            if key in layer:
                count = int(np.prod(layer[key]))
                array = np.frombuffer(blob, DTYPE, count, offset).reshape(layer[key])
                arrays.append(array.astype(np.float32))
                offset += count * DTYPE.itemsize
    if offset != len(blob):
        raise ValueError(f"weights file has {len(blob) - offset} bytes past its last array")
    return header, arrays
