"""The smallest change that flips the answer: a few steps up the input gradient of log p(target)
(cnn/net/network.py's input_gradient, checked against TensorFlow) until the network reads the
target digit, then the change scaled back to the smallest share of it that still does.

    flip = smallest_flip(network, image, target=3)
    flip.image, flip.change, flip.l2, flip.largest, flip.read_as, flip.steps

Each step moves the image a fixed L2 distance along the gradient (iterative fast gradient,
Goodfellow et al. / Kurakin et al., in L2) and keeps every pixel in [0, 1], what a drawing can
be. The scale-back evaluates SCALES shares of the found change in one batch. About 20-80 ms
per network for one target on this machine (bench/among_class.py).
"""

from dataclasses import dataclass

import numpy as np

from cnn.net.network import Network

STEP = 0.25  # L2 length of one step: a digit's own L2 norm is about 9, so 40 steps could redraw it
MAX_STEPS = 40
SCALES = np.linspace(0.05, 1.0, 20)  # shares of the found change tried when scaling it back


@dataclass(frozen=True)
class Flip:
    target: int
    original: np.ndarray  # (28, 28) float32 in [0, 1]
    image: np.ndarray  # (28, 28) float32 in [0, 1]: the changed input
    probabilities: np.ndarray  # (10,) the network's reading of `image`
    steps: int  # gradient steps taken
    share: float = 1.0  # of the steps' whole change kept by the scale-back (the least of SCALES still read as target)

    @property
    def change(self) -> np.ndarray:
        """(28, 28): image - original, in [-1, 1]."""
        return self.image - self.original

    @property
    def l2(self) -> float:
        return float(np.linalg.norm(self.change))

    @property
    def largest(self) -> float:
        """The largest change of one pixel (0-1: the whole way from background to ink)."""
        return float(np.abs(self.change).max())

    @property
    def read_as(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def flipped(self) -> bool:
        return self.read_as == self.target


def smallest_flip(network: Network, image: np.ndarray, target: int, max_steps: int = MAX_STEPS) -> Flip:
    """Steps towards `target` until it is read (or `max_steps` pass), then the smallest share of
    that change still read as `target`. Unflipped after max_steps: the last image, `flipped` False."""
    original = np.asarray(image, np.float32)
    changed = original.copy()
    steps = 0
    probabilities = network.predict(changed)[0]
    share = 1.0
    while np.argmax(probabilities) != target and steps < max_steps:
        gradient = network.input_gradient(changed, target)
        norm = float(np.linalg.norm(gradient))
        if norm == 0.0:  # nothing this input can do moves p(target): no relu passes a change
            break
        changed = np.clip(changed + STEP * gradient / norm, 0.0, 1.0)
        probabilities = network.predict(changed)[0]
        steps += 1
    if np.argmax(probabilities) == target and steps:
        shares = np.clip(original + SCALES[:, None, None] * (changed - original), 0.0, 1.0)
        read = network.predict(shares)
        enough = np.flatnonzero(read.argmax(axis=1) == target)
        if len(enough):  # the full change (the last share) always qualifies, up to rounding
            changed, probabilities, share = shares[enough[0]], read[enough[0]], float(SCALES[enough[0]])
    return Flip(target, original, changed.astype(np.float32), probabilities, steps, share)
