"""From a drawing (or any picture of one digit) to the 28x28 image the network receives.

MNIST's own recipe (LeCun et al.): take the ink's bounding box, scale it to fit a 20x20 box
keeping the aspect ratio, with anti-aliasing, place it in a 28x28 field, and shift it so the
ink's centre of mass sits at the centre. A digit drawn small in a corner of a 280x280 canvas and
simply resized to 28x28 looks nothing like MNIST; after this it does.

Pure numpy, Pillow and SciPy: no Keras, no Streamlit, so it is fast to import and to test.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from cnn import IMAGE_SIZE

DIGIT_BOX = 20  # MNIST fits each digit's bounding box into 20x20 ...
# ... and puts the centre of mass here; measured on the MNIST test set: (13.99, 14.00).
CENTRE = (14.0, 14.0)

INK_THRESHOLD = 0.2  # a pixel this far from the background (0..1) counts as ink
# Less ink than this is a stray click, not a digit: the longest side of the ink's bounding box,
# as a fraction of the picture's shorter side (a digit on a 280x280 canvas is rarely under 40 px).
MIN_EXTENT = 0.08
# More ink than this, as a fraction of the picture, is a scribble: a big "0" drawn with a 20 px
# brush on a 280x280 canvas covers about 20%.
MAX_INK_FRACTION = 0.4
_BORDER = 0.04  # the outer 4% of the picture decides what the background colour is


@dataclass(frozen=True)
class Preprocessed:
    """The result for one picture; `image` is None when there is nothing to read."""

    image: np.ndarray | None  # (28, 28) float32 in [0, 1], light ink on dark: the model's input
    status: str  # "ok", or why there is no image: "blank", "too_small" or "all_ink"
    ink: np.ndarray  # (H, W) float32 in [0, 1]: the picture as ink strength, light on dark
    crop_box: tuple[int, int, int, int] | None  # (left, top, right, bottom) of the ink in `ink`
    digit: np.ndarray | None  # the cropped ink scaled to fit 20x20, aspect ratio kept
    shift: tuple[int, int] = (0, 0)  # (rows, columns) moved to centre the centre of mass

    @property
    def is_empty(self) -> bool:
        return self.image is None

    @property
    def message(self) -> str:
        """Why there is no image, in words for a person."""
        return _MESSAGES[self.status]


_MESSAGES = {
    "ok": "A digit was found.",
    "blank": "No ink found: nothing is drawn.",
    "too_small": "Too little ink to be a digit: draw it bigger.",
    "all_ink": "The picture is mostly ink: clear it and draw one digit.",
}


def ink_strength(picture: np.ndarray) -> np.ndarray:
    """Any picture (H, W) / (H, W, 3) / (H, W, 4), uint8/uint16/float, as ink in [0, 1], light on dark.

    Transparency is laid over a background that contrasts with the opaque pixels, and the ink
    colour is whichever differs from the picture's border, so dark-on-light photos and light-on-
    dark canvases both come out as MNIST's light ink on black.
    """
    grey = _to_grey(picture)
    height, width = grey.shape
    ring = max(1, int(round(min(height, width) * _BORDER)))
    border = np.concatenate(
        [grey[:ring].ravel(), grey[-ring:].ravel(), grey[:, :ring].ravel(), grey[:, -ring:].ravel()]
    )
    background = float(np.median(border))
    if background > 0.5:  # dark ink on a light background
        grey = 1.0 - grey
        background = 1.0 - background
    ink = grey - background
    np.clip(ink, 0.0, None, out=ink)
    peak = float(ink.max())
    if peak > 0.0:
        ink *= 1.0 / peak  # a faint pencil photo uses the full range, like a canvas stroke
    return ink


def preprocess(picture: np.ndarray) -> Preprocessed:
    """The model's 28x28 input for a picture of one digit, with the intermediate steps."""
    ink = ink_strength(picture)
    mask = ink > INK_THRESHOLD
    if not mask.any():
        return Preprocessed(None, "blank", ink, None, None)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop_box = (int(left), int(top), int(right), int(bottom))
    if max(bottom - top, right - left) < MIN_EXTENT * min(ink.shape):
        return Preprocessed(None, "too_small", ink, crop_box, None)
    if mask.mean() > MAX_INK_FRACTION:
        return Preprocessed(None, "all_ink", ink, crop_box, None)

    digit = _fit_in_box(ink[top:bottom, left:right], DIGIT_BOX)
    image, shift = _centre_by_mass(digit)
    return Preprocessed(image, "ok", ink, crop_box, digit, shift)


def plain_resize(picture: np.ndarray) -> np.ndarray:
    """The naive alternative, for comparison: the whole picture squashed to 28x28."""
    ink = ink_strength(picture)
    resized = Image.fromarray(ink).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _to_grey(picture: np.ndarray) -> np.ndarray:
    picture = np.asarray(picture)
    if picture.ndim not in (2, 3) or (picture.ndim == 3 and picture.shape[2] not in (1, 3, 4)):
        raise ValueError(f"expected a greyscale, RGB or RGBA picture, not shape {picture.shape}")
    if picture.shape[0] < 2 or picture.shape[1] < 2:
        raise ValueError(f"picture of {picture.shape[1]}x{picture.shape[0]} pixels is too small")
    values = _as_unit_float(picture)
    if values.ndim == 2:
        return values
    if values.shape[2] == 1:
        return values[..., 0]
    rgb = values[..., :3]
    # ITU-R 601 luma, as Pillow's convert("L") uses.
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if values.shape[2] == 4:
        alpha = values[..., 3]
        if alpha.min() < 1.0:
            # Lay the picture over a backdrop that contrasts with its opaque part, so ink drawn
            # on a transparent background stays visible whatever its colour.
            opaque = alpha > 0.5
            ink_level = float(grey[opaque].mean()) if opaque.any() else 0.0
            backdrop = 1.0 if ink_level < 0.5 else 0.0
            grey = grey * alpha + backdrop * (1.0 - alpha)
    return grey.astype(np.float32, copy=False)


def _as_unit_float(picture: np.ndarray) -> np.ndarray:
    if picture.dtype == np.uint8:
        return picture.astype(np.float32) * (1.0 / 255.0)
    if picture.dtype == np.uint16:
        return picture.astype(np.float32) * (1.0 / 65535.0)
    if picture.dtype == np.bool_:
        return picture.astype(np.float32)
    if np.issubdtype(picture.dtype, np.floating):
        values = np.nan_to_num(picture.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        if values.max(initial=0.0) > 1.0:  # 0..255 floats
            values *= 1.0 / 255.0
        return np.clip(values, 0.0, 1.0)
    raise ValueError(f"unsupported pixel type {picture.dtype}")


def _fit_in_box(crop: np.ndarray, box: int) -> np.ndarray:
    """Scale `crop` so its longer side is `box` pixels, keeping the aspect ratio, anti-aliased."""
    height, width = crop.shape
    scale = box / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # Pillow wants (w, h)
    resized = Image.fromarray(crop).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _centre_by_mass(digit: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Place `digit` in a 28x28 field with its centre of mass at MNIST's centre."""
    height, width = digit.shape
    mass_row, mass_col = ndimage.center_of_mass(digit)
    # Where the digit's top-left corner goes; clamped so no ink falls off the field.
    top = int(np.clip(round(CENTRE[0] - mass_row), 0, IMAGE_SIZE - height))
    left = int(np.clip(round(CENTRE[1] - mass_col), 0, IMAGE_SIZE - width))
    field = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    field[top : top + height, left : left + width] = digit
    centred_top, centred_left = (IMAGE_SIZE - height) // 2, (IMAGE_SIZE - width) // 2
    return field, (top - centred_top, left - centred_left)


def as_model_input(image: np.ndarray) -> Preprocessed:
    """A picture that is already MNIST-shaped (28x28 in [0, 1], like a test digit), used as it is:
    re-centring it could change the very answer a lecturer wants to show."""
    image = np.clip(np.asarray(image, dtype=np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE), 0.0, 1.0)
    if not (image > INK_THRESHOLD).any():
        return Preprocessed(None, "blank", image, None, None)
    return Preprocessed(image, "ok", image, (0, 0, IMAGE_SIZE, IMAGE_SIZE), image)
