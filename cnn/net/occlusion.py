"""Occlusion (Zeiler and Fergus): grey out one patch of the input at a time and see how much the
answer's probability falls. Where it falls most is what the answer rests on.

    drops = occlusion_map(network, image, digit)   # (7, 7): p(digit) before - with that 4x4 patch at 0

"Grey" here is the background, 0: the network's input is white ink on black, so a patch set to 0
is ink taken away, and a patch already blank changes nothing. The occluded copies go through the
network as one batch (about 10 ms for the convnet with all 49, bench/among_class.py).
"""

import numpy as np

from cnn import IMAGE_SIZE
from cnn.net.network import Network

PATCH = 4  # pixels per side: 28 / 4 = 7 patches per side


def occluded_copies(image: np.ndarray, patch: int = PATCH) -> np.ndarray:
    """(side * side, 28, 28): the image with each patch in turn (row by row) set to 0."""
    side = IMAGE_SIZE // patch
    copies = np.repeat(np.asarray(image, np.float32)[np.newaxis], side * side, axis=0)
    for index in range(side * side):
        row, column = divmod(index, side)
        copies[index, row * patch : (row + 1) * patch, column * patch : (column + 1) * patch] = 0.0
    return copies


def occlusion_map(network: Network, image: np.ndarray, digit: int, patch: int = PATCH) -> np.ndarray:
    """(side, side) float32: how much p(digit) falls when each patch is occluded (negative: it rises).

    A patch with no ink is left out of the batch: greying it out gives the same image, so the same
    answer, and its fall is 0 exactly. A drawing inks about a third of the patches."""
    side = IMAGE_SIZE // patch
    image = np.asarray(image, np.float32)
    copies = occluded_copies(image, patch)
    inked = np.flatnonzero(image.reshape(side, patch, side, patch).max(axis=(1, 3)).ravel() > 0)
    probabilities = network.predict(np.concatenate([image[np.newaxis], copies[inked]]))[:, digit]
    drops = np.zeros(side * side, np.float32)
    drops[inked] = probabilities[0] - probabilities[1:]
    return drops.reshape(side, side)
