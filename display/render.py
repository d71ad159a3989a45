"""Pictures the server draws: the input's steps, kernels and dense templates as labelled grids
in the diverging red/blue scale, the saliency overlay. The feature-map grids are drawn in the
browser (static/js/feature_grid.js) with this module's grid frame (`grid_frame`) and colour tables.

The frame of a grid (background and channel numbers) depends only on its shape, so it is drawn
once and cached; per picture only the coloured tiles are pasted in.
"""

import io
from functools import lru_cache

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw, ImageFont

TILE_PIXELS = 78  # each channel is enlarged to about this size: readable on a projector
LABEL_PIXELS = 16  # height of the strip with the channel number above each tile
GAP = 4  # between tiles
COLUMNS = 8
_BACKGROUND = (255, 255, 255)
_LABEL_COLOUR = (40, 40, 40)


@lru_cache(maxsize=8)
def colour_table(name: str = "viridis") -> np.ndarray:
    """(256, 3) uint8 lookup table of a matplotlib colour map."""
    return (colormaps[name](np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)


def colourise(values: np.ndarray, cmap: str = "viridis") -> np.ndarray:
    """Values in [0, 1] of any shape -> RGB uint8 of that shape plus a last axis of 3."""
    indices = (np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)
    return colour_table(cmap)[indices]


def tile_scale(height: int) -> int:
    """How many screen pixels per map pixel, so every layer's tiles are about the same size."""
    return max(1, round(TILE_PIXELS / height))


def grid_frame() -> dict:
    """The grid's frame for the browser, which draws the feature-map grids (static/js/lib/grid.js)
    with the same numbers as the kernel grids drawn here."""
    return {"columns": COLUMNS, "gap": GAP, "label": LABEL_PIXELS, "tile": TILE_PIXELS}


def diverging_indices(values: np.ndarray, limit: float) -> np.ndarray:
    """-limit..limit -> uint8 indices into the diverging colour table, zero at 127.5, rounded half
    up like the browser's Math.round (static/js/lib/colour.js divergingIndex)."""
    scaled = (np.clip(np.asarray(values, dtype=np.float64) / (limit or 1.0), -1.0, 1.0) + 1.0) * 127.5
    return np.floor(scaled + 0.5).astype(np.uint8)


def _tile_grid(tiles: np.ndarray, scale: int, columns: int) -> np.ndarray:
    """(H, W, C, 3) coloured channels -> every channel enlarged `scale` times, in a grid."""
    height, width, channels = tiles.shape[:3]
    tiles = tiles.repeat(scale, axis=0).repeat(scale, axis=1)  # nearest neighbour: crisp pixels
    grid = _frame(height * scale, width * scale, channels, columns).copy()
    for channel in range(channels):
        top, left = _tile_origin(channel, height * scale, width * scale, columns)
        grid[top : top + height * scale, left : left + width * scale] = tiles[:, :, channel]
    return grid


def enlarge(image: np.ndarray, size: int = 280, cmap: str = "gray") -> np.ndarray:
    """A small map or input (H, W) in [0, 1] -> a crisp RGB picture about `size` pixels wide."""
    scale = max(1, size // image.shape[1])
    return colourise(image, cmap).repeat(scale, axis=0).repeat(scale, axis=1)


def _tile_origin(channel: int, tile_height: int, tile_width: int, columns: int) -> tuple[int, int]:
    row, column = divmod(channel, columns)
    top = GAP + row * (tile_height + LABEL_PIXELS + GAP) + LABEL_PIXELS
    left = GAP + column * (tile_width + GAP)
    return top, left


@lru_cache(maxsize=32)
def _frame(tile_height: int, tile_width: int, channels: int, columns: int) -> np.ndarray:
    """Background and channel numbers for a grid; read-only, copied by the caller."""
    rows = -(-channels // columns)
    shown_columns = min(columns, channels)
    size = (
        GAP + shown_columns * (tile_width + GAP),
        GAP + rows * (tile_height + LABEL_PIXELS + GAP),
    )
    picture = Image.new("RGB", size, _BACKGROUND)
    draw = ImageDraw.Draw(picture)
    font = _font(LABEL_PIXELS - 3)
    for channel in range(channels):
        top, left = _tile_origin(channel, tile_height, tile_width, columns)
        draw.text((left + 1, top - LABEL_PIXELS + 1), f"#{channel}", fill=_LABEL_COLOUR, font=font)
    frame = np.asarray(picture)
    frame.setflags(write=False)
    return frame


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)  # Pillow's bundled scalable font (needs FreeType)
    except (TypeError, OSError):
        return ImageFont.load_default()


def outline_box(ink: np.ndarray, box: tuple[int, int, int, int] | None, colour=(230, 60, 60)) -> np.ndarray:
    """The picture as ink (H, W) in [0, 1], grey, with the crop box drawn on it: step 1 on the page."""
    picture = Image.fromarray(colourise(ink, "gray"))
    if box is not None:
        left, top, right, bottom = box
        width = max(1, round(min(ink.shape) / 100))
        ImageDraw.Draw(picture).rectangle((left, top, right - 1, bottom - 1), outline=colour, width=width)
    return np.asarray(picture)


def png_bytes(picture: np.ndarray) -> bytes:
    """PNG with the fastest zlib level: a feature-map grid encodes in ~4 ms instead of ~10 ms,
    and these flat-coloured pictures hardly compress better at higher levels."""
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def kernel_grid(kernels: np.ndarray, columns: int = COLUMNS, scale: int | None = None) -> np.ndarray:
    """Conv2D weights (3, 3, 1, C), or a dense layer's templates (28, 28, 1, C), -> a labelled
    grid of the C kernels in a diverging colour map: red for positive weights, blue for negative,
    white for zero (one scale for all kernels, so their strengths compare). `scale`: screen
    pixels per weight (default: small kernels at about half a feature-map tile)."""
    weights = kernels[:, :, 0, :] if kernels.ndim == 4 else kernels
    tiles = colour_table("RdBu_r")[diverging_indices(weights, float(np.abs(weights).max()))]
    return _tile_grid(tiles, scale or tile_scale(weights.shape[0] * 2), columns)


def template_picture(weights: np.ndarray, limit: float, scale: int = 3) -> np.ndarray:
    """One dense unit's 784 input weights as its 28x28 template: red for positive weights, blue
    for negative, white for zero, full colour at +-`limit` (give every unit the same limit, so
    their strengths compare)."""
    side = int(round(np.sqrt(weights.size)))
    picture = colour_table("RdBu_r")[diverging_indices(weights.reshape(side, side), limit)]
    return picture.repeat(scale, axis=0).repeat(scale, axis=1)


def heat_overlay(image: np.ndarray, heat: np.ndarray, size: int = 252) -> np.ndarray:
    """The 28x28 input in grey with `heat` ([0, 1]) laid over it in a hot colour map, enlarged."""
    grey = colourise(image * 0.6, "gray").astype(np.float32)
    hot = colourise(heat, "inferno").astype(np.float32)
    weight = heat[..., np.newaxis]
    blended = (grey * (1 - weight) + hot * weight).round().astype(np.uint8)
    scale = max(1, size // image.shape[1])
    return blended.repeat(scale, axis=0).repeat(scale, axis=1)
