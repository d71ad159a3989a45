"""The test digits that excite each unit (cnn/net/top_activations.py), as small files the page
reads itself, so a click on a unit shows its digits without a round trip to the server.

One file per channel of every searched layer, `<layer>-<channel>.bin`, and `classes.bin` for the
ten outputs; all little-endian, the top TOP (9) of each unit strongest first:

    <layer>-<channel>.bin   positions P = rows * columns of the map (1 for a Dense layer)
        float32 values[P][TOP]   the activations
        uint16  indices[P][TOP]  test digit numbers (NONE: no digit)
        uint8   labels[P][TOP]   their digits
    classes.bin
        float32 values[10][2][TOP]       p(class) of the most and the least convincing
        uint16  indices[10][2][TOP]
        uint8   labels[10][2][TOP]

A conv1 channel's file is 676 positions x 9 x 7 bytes = 42.6 KB; all 321 of them 2.3 MB,
fetched one channel at a time when it is first opened (static/js/lecture/unit_digits.js reads
them). No Streamlit, no Keras.
"""

import shutil
from pathlib import Path

import numpy as np

from cnn.net.top_activations import TopActivations
from cnn.serving.digit_maps import KEPT_PICTURES, published_folder

NONE = 0xFFFF  # no test digit in that place (an output with fewer than TOP digits of its class)


def _packed(values: np.ndarray, indices: np.ndarray, labels: np.ndarray) -> bytes:
    valid = indices >= 0
    return b"".join(
        (
            np.ascontiguousarray(values, "<f4").tobytes(),
            np.where(valid, indices, NONE).astype("<u2").tobytes(),
            np.where(valid, labels[np.maximum(indices, 0)], 0).astype(np.uint8).tobytes(),
        )
    )


def example_files(examples: TopActivations, labels: np.ndarray):
    """Yields (file name, bytes) for every channel of every searched layer and for the outputs.
    labels: the test set's digits, one per image."""
    labels = np.asarray(labels)
    for layer, indices in examples.indices.items():
        values = examples.values[layer]
        channels = indices.shape[-2]
        flat_indices = indices.reshape(-1, channels, indices.shape[-1])
        flat_values = values.reshape(-1, channels, values.shape[-1])
        for channel in range(channels):
            yield f"{layer}-{channel}.bin", _packed(flat_values[:, channel], flat_indices[:, channel], labels)
    both = np.stack([examples.most_convincing, examples.least_convincing], axis=1)  # (10, 2, TOP)
    yield "classes.bin", _packed(examples.convincing_values, both, labels)


def publish_example_files(folder: Path, key: str, examples: TopActivations, labels: np.ndarray) -> str:
    """The name of the folder in `folder` with this model version's files (`units-<key>`), written
    the first time; older versions beyond KEPT_PICTURES removed."""
    name = published_folder(folder, f"units-{key}", lambda: example_files(examples, labels))
    older = [p for p in folder.glob("units-*") if p.is_dir() and p.name != name]
    for old in sorted(older, key=lambda p: p.stat().st_mtime_ns, reverse=True)[KEPT_PICTURES - 1 :]:
        shutil.rmtree(old, ignore_errors=True)  # another replica may have removed it already
    return name
