"""Why this answer: which pixels of the 28x28 input the chosen class' probability is most
sensitive to (the gradient of its log-probability with respect to the input, Simonyan et al. 2013).

    heat = saliency(network, image, class_index=7)  # (28, 28) in [0, 1]
"""

import numpy as np

from cnn import IMAGE_SIZE
from cnn.net.network import Network


def saliency(network: Network, image: np.ndarray, class_index: int) -> np.ndarray:
    """|d log p(class) / d pixel|, smoothed over a 3x3 neighbourhood and scaled to [0, 1]."""
    heat = np.abs(network.input_gradient(image, class_index))
    # Single-pixel gradients are noisy; a 3x3 box blur shows regions a class can read.
    padded = np.pad(heat, 1, mode="edge")
    heat = sum(padded[r : r + IMAGE_SIZE, c : c + IMAGE_SIZE] for r in range(3) for c in range(3)) / 9.0
    peak = float(heat.max())
    return (heat / peak if peak > 0 else heat).astype(np.float32)
