"""The lesson's pictures as SVG markup (no Streamlit, no Keras): a grid of numbers, each cell shaded
by its value, with cells to outline; scaled to the column's width, so one picture fits a phone
and a projector alike.

    matrix_svg(values, label="Your digit as 28 x 28 numbers")
    matrix_svg(image5, outline=(0, 1, 3), shade=binary_shade)   # the 3x3 window at row 0, column 1
"""

from collections.abc import Callable
from html import escape

import numpy as np

Shade = Callable[[float], tuple[str, str]]  # a value -> (fill colour, text colour)

_CELL = 40  # SVG units per cell; the picture scales to its column


def grey_shade(limit: float) -> Shade:
    """0 black .. limit white, as MNIST draws ink; the number in whichever contrasts."""

    def shade(value: float) -> tuple[str, str]:
        level = int(round(255 * min(max(value / limit, 0.0), 1.0))) if limit else 0
        return f"rgb({level},{level},{level})", "#111" if level > 130 else "#eee"

    return shade


def signed_shade(limit: float) -> Shade:
    """Negative blue, zero white, positive red (the page's filter colours)."""

    def shade(value: float) -> tuple[str, str]:
        t = min(abs(value) / limit, 1.0) if limit else 0.0
        fade = int(round(255 * (1 - t)))
        fill = f"rgb(255,{fade},{fade})" if value >= 0 else f"rgb({fade},{fade},255)"
        return fill, "#fff" if t > 0.6 else "#111"

    return shade


def number_text(value: float) -> str:
    """Whole numbers as they are; others with at most two decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.1f}"


def matrix_svg(
    values: np.ndarray,
    label: str,
    shade: Shade | None = None,
    outline: tuple[int, int, int] | None = None,
    marked: tuple[int, int] | None = None,
    numbers: bool = True,
    max_width: int | None = None,
) -> str:
    """A (rows, columns) array as cells with their numbers; every cell's <title> says its place
    and value (hover a pixel: its value). `outline` = (row, column, size): a square window drawn
    over the cells; `marked` = (row, column): one cell ringed (the value being computed)."""
    values = np.asarray(values, dtype=np.float64)
    rows, columns = values.shape
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
    shade = shade or grey_shade(top or 1.0)
    width, height = columns * _CELL, rows * _CELL
    style = f"max-width:{max_width}px;" if max_width else ""
    parts = [
        f'<svg class="lesson-matrix" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'style="width:100%;height:auto;{style}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    whole = bool(np.all(np.isnan(values) | (values == np.round(values))))
    font = _CELL * (0.42 if whole and top < 100 else 0.34 if whole else 0.3)
    for r in range(rows):
        for c in range(columns):
            value = values[r, c]
            fill, ink = shade(value)
            text = "" if np.isnan(value) else number_text(value)
            parts.append(
                f"<g><title>row {r + 1}, column {c + 1}: {text or 'not worked out yet'}</title>"
                f'<rect x="{c * _CELL}" y="{r * _CELL}" width="{_CELL}" height="{_CELL}" fill="{fill}" '
                f'stroke="#8884" stroke-width="1"/>'
            )
            if numbers:
                parts.append(
                    f'<text x="{c * _CELL + _CELL / 2}" y="{r * _CELL + _CELL / 2}" font-size="{font:.1f}" '
                    f'fill="{ink}" text-anchor="middle" dominant-baseline="central" '
                    f'font-family="sans-serif">{text}</text>'
                )
            parts.append("</g>")
    if outline is not None:
        r, c, size = outline
        parts.append(
            f'<rect x="{c * _CELL + 2}" y="{r * _CELL + 2}" width="{size * _CELL - 4}" height="{size * _CELL - 4}" '
            'fill="none" stroke="#e8a400" stroke-width="5"/>'
        )
    if marked is not None:
        r, c = marked
        parts.append(
            f'<rect x="{c * _CELL + 3}" y="{r * _CELL + 3}" width="{_CELL - 6}" height="{_CELL - 6}" '
            'fill="none" stroke="#e8a400" stroke-width="5"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def maps_grid(maps: np.ndarray, columns: int, scale: int, gap: int = 2) -> np.ndarray:
    """A layer's (H, W, C) maps as one RGB picture: every channel on one viridis scale (the
    layer's largest value = yellow), `columns` to a row, enlarged `scale` times, white gaps."""
    from display.render import colourise

    height, width, channels = maps.shape
    top = float(maps.max()) or 1.0
    tiles = colourise(maps / top).repeat(scale, axis=0).repeat(scale, axis=1)  # (H*s, W*s, C, 3)
    rows = -(-channels // columns)
    tile_h, tile_w = height * scale, width * scale
    grid = np.full((rows * (tile_h + gap) - gap, columns * (tile_w + gap) - gap, 3), 255, np.uint8)
    for channel in range(channels):
        r, c = divmod(channel, columns)
        grid[r * (tile_h + gap) : r * (tile_h + gap) + tile_h, c * (tile_w + gap) : c * (tile_w + gap) + tile_w] = (
            tiles[:, :, channel]
        )
    return grid
