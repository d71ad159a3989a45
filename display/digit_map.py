"""Pictures and markup for "Your digit among 10,000": the map of the test digits (drawn once per
model version, sent as one picture), the numbers the page places the drawing's dot by and
hovers over (static/js/digit_map.js), the test digits as sheet pictures, its nearest test digits,
the occlusion map and the change that flips the answer.

    frame = MapFrame.around(digit_map.points)
    picture = map_picture(digit_map.points, digit_map.labels, frame)   # RGB (SIZE, SIZE, 3), once per model
    data = map_file(digit_map, frame)                       # what the page needs to move the dot and hover (JSON)
    sheet = digit_sheet(images, 3)                          # test digits 300-399 as one picture, for the hover
    html = neighbours_markup(images, labels, indices)       # small pictures with their labels
    picture = flip_picture(flip)                            # before | difference | after

No Streamlit, no Keras.
"""

import base64
from dataclasses import dataclass

import numpy as np

from display.render import colour_table, colourise, diverging_indices, heat_overlay, png_bytes

SIZE = 420  # the map picture's side, in pixels: fits the page's middle and on a projector
_MARGIN = 8  # pixels between the outermost points and the picture's edge
_DOT = 1  # a test digit's point: a square 2 * _DOT + 1 = 3 pixels a side
# Tableau's ten categorical colours (matplotlib's tab10), one per digit 0-9.
DIGIT_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
_PANEL = 112  # flip pictures: each panel's side (28 x 4)
SHEET = 100  # test digits per sheet picture (the hover fetches the one sheet it needs, ~17 KB)
SHEET_COLUMNS = 10
SHEET_LAYOUT = {"digits": SHEET, "columns": SHEET_COLUMNS}  # what the page needs to cut a digit from a sheet
_POINT_STEPS = 100  # map_file: a point's pixels in hundredths (uint16: up to 655 px)


@dataclass(frozen=True)
class MapFrame:
    """Where map coordinates land on the picture: the points' bounding box, scaled alike on both
    axes (the map's distances mean something) and centred."""

    left: float
    top: float  # the largest y: the map's y axis points up, the picture's rows down
    scale: float  # pixels per map unit

    @staticmethod
    def around(points: np.ndarray, size: int = SIZE) -> "MapFrame":
        low, high = points.min(axis=0), points.max(axis=0)
        scale = (size - 2 * _MARGIN) / float(max(high - low))
        middle = (low + high) / 2
        half = (size / 2) / scale
        return MapFrame(float(middle[0] - half), float(middle[1] + half), scale)

    def pixel(self, point: np.ndarray) -> np.ndarray:
        """(..., 2) map coordinates -> (..., 2) (x, y) pixels, unrounded (may lie off the picture)."""
        point = np.asarray(point, np.float64)
        return np.stack([(point[..., 0] - self.left) * self.scale, (self.top - point[..., 1]) * self.scale], axis=-1)


def map_file(digit_map, frame: MapFrame, size: int = SIZE) -> dict:
    """What the page needs, once per model version, to place the drawing itself while the pen
    moves (static/js/among/map_math.js: the projection and the frame) and to say which test digit
    is under the pointer (every point's pixel, to 0.01 px, with its label and what the network
    reads it as). About 70 KB of JSON for 10,000 digits."""
    pixels = np.clip(np.round(frame.pixel(digit_map.points) * _POINT_STEPS), 0, 65535).astype("<u2")
    encode = lambda a: base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")  # noqa: E731
    return {
        "size": size,
        "frame": {"left": frame.left, "top": frame.top, "scale": frame.scale},
        "matrix": np.asarray(digit_map.matrix, float).tolist(),  # (64, 2)
        "offset": np.asarray(digit_map.offset, float).tolist(),
        "count": len(digit_map.labels),
        "points": encode(pixels),  # uint16 little-endian x, y per digit, hundredths of a pixel
        "pointSteps": _POINT_STEPS,
        "labels": encode(np.asarray(digit_map.labels, np.uint8)),
        "predicted": encode(np.asarray(digit_map.predicted, np.uint8)),
        "sheet": SHEET_LAYOUT,
        "colours": list(DIGIT_COLOURS),
    }


def digit_sheet(images: np.ndarray, sheet: int) -> np.ndarray:
    """Test digits SHEET * sheet ... SHEET * (sheet + 1) - 1 as one grey picture, SHEET_COLUMNS
    to a row, each 28 x 28 as MNIST has it (the last sheet's empty places black)."""
    block = np.zeros((SHEET, 28, 28), np.uint8)
    chosen = np.asarray(images[sheet * SHEET : (sheet + 1) * SHEET], np.uint8).reshape(-1, 28, 28)
    block[: len(chosen)] = chosen
    rows = SHEET // SHEET_COLUMNS
    return block.reshape(rows, SHEET_COLUMNS, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, SHEET_COLUMNS * 28)


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def map_picture(points: np.ndarray, labels: np.ndarray, frame: MapFrame, size: int = SIZE) -> np.ndarray:
    """RGB (size, size, 3): every point a small square in its digit's colour, on white. Drawn in a
    shuffled (but fixed) order, so no digit's points are all on top of the others."""
    picture = np.full((size, size, 3), 255, np.uint8)
    pixels = np.floor(frame.pixel(points)).astype(np.int64)
    colours = np.array([_rgb(c) for c in DIGIT_COLOURS], np.uint8)[labels]
    order = np.random.default_rng(0).permutation(len(points))
    for dy in range(-_DOT, _DOT + 1):
        for dx in range(-_DOT, _DOT + 1):
            x, y = pixels[order, 0] + dx, pixels[order, 1] + dy
            inside = (x >= 0) & (x < size) & (y >= 0) & (y < size)
            # Later writes win: numpy's fancy assignment keeps the last of repeated indices.
            picture[y[inside], x[inside]] = colours[order][inside]
    return picture


def legend_markup() -> str:
    swatches = "".join(
        f'<span style="margin-right:0.6em"><span style="color:{colour}">&#9632;</span> {digit}</span>'
        for digit, colour in enumerate(DIGIT_COLOURS)
    )
    return f'<div aria-hidden="true" style="font-size:0.9rem">{swatches}</div>'


def _png_uri(picture: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(picture)).decode("ascii")


def neighbours_markup(images: np.ndarray, labels: np.ndarray, indices: np.ndarray, scale: int = 2) -> str:
    """The test digits at `indices` as small pictures, each with its label and number under it."""
    figures = []
    for index in indices:
        digit = int(labels[index])
        picture = np.asarray(images[index], np.uint8).repeat(scale, axis=0).repeat(scale, axis=1)
        figures.append(
            '<figure style="margin:0 6px 6px 0;display:inline-block;text-align:center">'
            f'<img src="{_png_uri(picture)}" alt="a {digit}, test digit {int(index)}" '
            f'style="width:{28 * scale}px;height:{28 * scale}px;image-rendering:pixelated"/>'
            # The digit in the page's text colour beside a swatch of its map colour: several of the
            # ten colours are too light for text on white.
            f'<figcaption style="font-size:0.8rem"><span aria-hidden="true" style="color:{DIGIT_COLOURS[digit]}">'
            f"&#9632;</span> <b>{digit}</b> #{int(index)}</figcaption></figure>"
        )
    return f'<div class="among-neighbours">{"".join(figures)}</div>'


def occlusion_picture(image: np.ndarray, drops: np.ndarray, size: int = 196) -> np.ndarray:
    """The input in grey with each patch's fall in probability over it: the largest fall brightest
    (rises, and falls under 0.001, left dark)."""
    patch = image.shape[0] // drops.shape[0]
    largest = float(drops.max())
    heat = np.clip(drops / largest, 0, 1) if largest > 1e-3 else np.zeros_like(drops)
    return heat_overlay(image, np.kron(heat, np.ones((patch, patch))), size)


def flip_picture(original: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """Before | difference | after, each 112 px: the difference in red (ink added) and blue (ink
    taken away), white where nothing changed, on a scale whose ends are its largest change (a
    scale of a whole pixel left most changes too faint to see)."""
    scale = _PANEL // original.shape[0]
    panels = [
        colourise(original, "gray"),
        colour_table("RdBu_r")[diverging_indices(changed - original, float(np.abs(changed - original).max()))],
        colourise(changed, "gray"),
    ]
    gap = np.full((_PANEL, 6, 3), 255, np.uint8)
    enlarged = [p.repeat(scale, axis=0).repeat(scale, axis=1) for p in panels]
    return np.concatenate([enlarged[0], gap, enlarged[1], gap, enlarged[2]], axis=1)
