"""Simulated drawings: an MNIST digit pasted onto a canvas at a chosen size and position, as a
person might have drawn it. Used by the tests and the benchmarks to measure preprocessing on
thousands of "drawings" with known labels.
"""

import numpy as np
from PIL import Image

CANVAS_SIZE = 280  # the page's canvas, in CSS pixels


def draw_on_canvas(digit: np.ndarray, scale: float, left: int, top: int, size: int = CANVAS_SIZE) -> np.ndarray:
    """Paste a 28x28 digit (uint8 or [0, 1]) as white ink on a black RGBA canvas.

    `scale` is the fraction of the canvas side that the digit's 28x28 field covers.
    Returns (size, size, 4) uint8 with alpha 255 everywhere, like the canvas component.
    """
    field = np.asarray(digit, dtype=np.float32)
    if field.max() > 1.0:
        field = field / 255.0
    side = max(1, round(size * scale))
    big = Image.fromarray(field).resize((side, side), Image.Resampling.BILINEAR)
    ink = np.zeros((size, size), dtype=np.float32)
    ink[top : top + side, left : left + side] = np.asarray(big)[: size - top, : size - left]
    grey = (np.clip(ink, 0.0, 1.0) * 255).round().astype(np.uint8)
    canvas = np.empty((size, size, 4), dtype=np.uint8)
    canvas[..., :3] = grey[..., np.newaxis]
    canvas[..., 3] = 255
    return canvas


def random_drawing(
    digit: np.ndarray, rng: np.random.Generator, min_scale=0.4, max_scale=1.0, size: int = CANVAS_SIZE
) -> np.ndarray:
    """The digit at a random size (fraction of the canvas) and a random position that fits."""
    scale = rng.uniform(min_scale, max_scale)
    side = round(size * scale)
    left, top = (int(v) for v in rng.integers(0, size - side + 1, size=2))
    return draw_on_canvas(digit, scale, left, top, size)
