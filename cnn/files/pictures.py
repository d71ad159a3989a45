"""Reading a picture file (or uploaded bytes) into a pixel array, refusing what could hurt.

Pillow only reads the header when opening, so the size is checked before any pixels are decoded:
a decompression bomb (a small file that expands to gigapixels) is refused, not decoded.
Animated pictures give their first frame; 16-bit greyscale keeps its full range.
"""

import io
import os
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

# A phone photo is about 12-50 megapixels; nothing needs more to show one digit.
MAX_PIXELS = 60_000_000
# Pictures are shrunk to this longest side while decoding: plenty for a 28x28 result, and it
# bounds the memory and time the rest of the pipeline spends on a photo.
MAX_SIDE = 1024


class PictureError(Exception):
    """The file is not a picture this app can read; the message says why, in one line."""


def read_picture(source: str | os.PathLike | bytes) -> np.ndarray:
    """A file path or the bytes of a file -> (H, W), (H, W, 3) or (H, W, 4) uint8/uint16 array."""
    label = "the upload" if isinstance(source, bytes) else str(source)
    if isinstance(source, bytes):
        if not source:
            raise PictureError("the upload is empty (0 bytes)")
        stream = io.BytesIO(source)
    else:
        try:
            if os.path.getsize(source) == 0:
                raise PictureError(f"{label} is empty (0 bytes)")
        except OSError as error:
            raise PictureError(f"cannot read {label}: {error.strerror or error}") from error
        stream = source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as picture:
                width, height = picture.size
                if width * height > MAX_PIXELS:
                    raise PictureError(
                        f"{label} is {width}x{height} pixels, over the {MAX_PIXELS // 1_000_000} "
                        "megapixel limit; scale it down"
                    )
                picture.seek(0)  # the first frame of an animation
                if picture.format == "JPEG":
                    picture.draft(picture.mode, (MAX_SIDE, MAX_SIDE))  # decode at 1/2, 1/4 or 1/8
                picture = _readable_mode(picture)
                picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BOX)
                return np.asarray(picture)
    except PictureError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PictureError(f"{label} is too large to decode safely ({_short(error)})") from error
    except UnidentifiedImageError as error:
        raise PictureError(f"{label} is not a picture Pillow can read") from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        # Truncated or corrupt data surfaces only while decoding, as one of these.
        raise PictureError(f"{label} is damaged or truncated ({_short(error)})") from error


def _readable_mode(picture: Image.Image) -> Image.Image:
    """The picture in a mode the preprocessing reads: L, RGB, RGBA, or F in [0, 1] for >8 bits."""
    if picture.mode in ("L", "RGB", "RGBA"):
        return picture
    if picture.mode.startswith("I") or picture.mode == "F":
        # 16-bit (or 32-bit) greyscale: keep the full range rather than clipping to 8 bits.
        values = np.asarray(picture, dtype=np.float32)
        peak = 65535.0 if picture.mode.startswith("I;16") or values.max() <= 65535 else values.max()
        if picture.mode == "F":
            peak = max(float(values.max()), 1e-6)
        return Image.fromarray(np.clip(values / peak, 0.0, 1.0).astype(np.float32))
    if picture.mode in ("LA", "PA") or "transparency" in picture.info:
        return picture.convert("RGBA")
    return picture.convert("RGB")  # CMYK, YCbCr, 1-bit, palettes


def _short(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:200]
