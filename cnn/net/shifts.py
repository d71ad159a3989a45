"""How far a network tolerates a digit that is not where MNIST puts it: the 28x28 input moved by
(dy, dx) pixels, or scaled about its centre, *after* preprocessing, so nothing re-centres it.

    moved = shift_map(extractor.classify, reading.image)   # one model call for all copies
    moved.same             # (13, 13) bool: still reads the same digit at shift (dy, dx)?
    moved.tolerated        # how many of the 169 shifts it survives
    shift_accuracies(model_classify, x_test, y_test)       # {0: 0.991, 2: ..., 4: ..., 6: ...}

The notebook's point, measured: a convnet's filters slide over the image, so a moved digit
lights up the same filters in moved places; a dense network has one weight per pixel, so a moved
digit meets different weights altogether.

Pure numpy and SciPy; the network comes in as a function from images (N, 28, 28) to (N, 10).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from cnn import IMAGE_SIZE

Classify = Callable[[np.ndarray], np.ndarray]  # (N, 28, 28) in [0, 1] -> (N, 10) softmax

SHIFTS = tuple(range(-6, 7))  # pixels, each way, on both axes: a 13 x 13 map
SCALES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2)  # MNIST's digits fill a 20x20 box; 1.2 fills 24x24
TEST_DISTANCES = (0, 2, 4, 6)  # pixels, for the test-set report


def shift_image(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """`image` (..., H, W) moved dy pixels down and dx right; what moves out is lost, what comes
    in is black. Works on one image or a whole batch."""
    moved = np.zeros_like(image)
    height, width = image.shape[-2:]
    if abs(dy) >= height or abs(dx) >= width:
        return moved
    moved[..., max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = image[
        ..., max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)
    ]
    return moved


def scale_image(image: np.ndarray, factor: float) -> np.ndarray:
    """`image` scaled by `factor` about the field's centre (bilinear; black outside)."""
    centre = (np.array(image.shape, dtype=np.float64) - 1) / 2
    # affine_transform maps each output pixel o to the input pixel centre + (o - centre) / factor.
    offset = centre - centre / factor
    scaled = ndimage.affine_transform(
        image, np.full(2, 1.0 / factor), offset=offset, order=1, mode="constant", cval=0.0
    )
    return np.clip(scaled, 0.0, 1.0).astype(image.dtype, copy=False)


def moved_copies(image: np.ndarray) -> np.ndarray:
    """Every shift of SHIFTS x SHIFTS (row-major: dy outer, dx inner), then every scale of SCALES."""
    image = np.asarray(image, dtype=np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE)
    shifted = [shift_image(image, dy, dx) for dy in SHIFTS for dx in SHIFTS]
    scaled = [scale_image(image, factor) for factor in SCALES]
    return np.stack(shifted + scaled)


@dataclass(frozen=True)
class ShiftMap:
    digit: int  # what the network reads in the unmoved input
    read: np.ndarray  # (13, 13) int: the digit read at each (dy, dx), rows dy, columns dx
    probability: np.ndarray  # (13, 13) float: the probability of `digit` at each shift
    scale_read: np.ndarray  # (len(SCALES),) int
    scale_probability: np.ndarray  # (len(SCALES),) float: the probability of `digit`

    @property
    def same(self) -> np.ndarray:
        return self.read == self.digit

    @property
    def tolerated(self) -> int:
        """Shifts (of the 169) at which it still reads `digit`."""
        return int(self.same.sum())

    @property
    def reach(self) -> int:
        """The largest distance d such that every shift with |dy|, |dx| <= d still reads `digit`."""
        centre = len(SHIFTS) // 2
        for distance in range(1, centre + 1):
            window = self.same[centre - distance : centre + distance + 1, centre - distance : centre + distance + 1]
            if not window.all():
                return distance - 1
        return centre

    @property
    def scales_tolerated(self) -> tuple[float, ...]:
        return tuple(factor for factor, digit in zip(SCALES, self.scale_read, strict=True) if digit == self.digit)


def shift_map(classify: Classify, image: np.ndarray) -> ShiftMap:
    """The shift and scale map of one prepared input, from a single call of `classify`."""
    probabilities = np.asarray(classify(moved_copies(image)))
    size = len(SHIFTS)
    shifted, scaled = probabilities[: size * size], probabilities[size * size :]
    centre = (size // 2) * size + size // 2  # the (0, 0) shift: the input itself
    digit = int(shifted[centre].argmax())
    return ShiftMap(
        digit=digit,
        read=shifted.argmax(axis=1).reshape(size, size),
        probability=shifted[:, digit].reshape(size, size),
        scale_read=scaled.argmax(axis=1),
        scale_probability=scaled[:, digit],
    )


def shifted_accuracy(classify: Classify, images: np.ndarray, labels: np.ndarray, distance: int) -> float:
    """Accuracy on `images` (in [0, 1]) moved `distance` pixels up, down, left and right (the four averaged)."""
    images = np.asarray(images, dtype=np.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)  # drop a channel axis
    directions = ((0, 0),) if distance == 0 else ((-distance, 0), (distance, 0), (0, -distance), (0, distance))
    correct = 0
    for dy, dx in directions:
        moved = shift_image(images, dy, dx)
        correct += int((np.asarray(classify(moved)).argmax(axis=1) == labels).sum())
    return correct / (len(labels) * len(directions))


def shift_accuracies(
    classify: Classify, images: np.ndarray, labels: np.ndarray, distances: Sequence[int] = TEST_DISTANCES
) -> dict[int, float]:
    """{distance: accuracy} for each distance, as `shifted_accuracy` measures it."""
    return {distance: shifted_accuracy(classify, images, labels, distance) for distance in distances}
