"""A line chart as plain HTML and SVG, for st.markdown: no chart library in the browser.

Streamlit draws st.line_chart and st.vega_lite_chart with vega-embed, a 272 KB script (gzipped)
that the page fetches the first time any chart shows; one small curve on the first screen made
every student's first load pay for it over the hall's Wi-Fi. This is a few kilobytes of markup
instead, shown by st.markdown with HTML allowed (st.html's sanitizer keeps no SVG). The lines
live in an SVG stretched over the plot area (viewBox 0-1000 both ways, `preserveAspectRatio=
"none"`, strokes that do not scale), so the chart takes the width it is given while its text,
positioned in HTML by percentages, keeps its size. Pure Python, no Streamlit.
"""

import math
from html import escape

SERIES_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")
MARK_COLOUR = "#d62728"
_SPAN = 1000  # the SVG's viewBox, both ways
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 14, 30, 42  # px around the plot: tick labels, the title lines


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round values (1, 2, 2.5 or 5 times a power of ten apart) from `low` to `high`."""
    if high <= low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def _label(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.0%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def line_chart_html(
    x,
    series: dict[str, list[float]],
    *,
    x_title: str,
    y_title: str,
    description: str,
    y_domain: tuple[float, float] | None = None,
    percent: bool = False,
    marked_x: float | None = None,
    marked_label: str = "",
    points: bool = False,
    height: int = 200,
) -> str:
    """`series` (name -> one value per `x`) as lines over a shared y axis; `marked_x` draws a red
    vertical rule there. Each point (with `points`) names its values on hover."""
    xs = [float(v) for v in x]
    values = [float(v) for line in series.values() for v in line]
    x_low, x_high = min(xs), max(xs)
    if x_high == x_low:
        x_high = x_low + 1
    y_low, y_high = y_domain or (min(values), max(values))
    if y_high == y_low:
        y_high = y_low + 1

    def across(value: float) -> float:  # 0-1000, left to right
        return round((value - x_low) / (x_high - x_low) * _SPAN, 1)

    def up(value: float) -> float:  # 0-1000, top to bottom
        return round((y_high - value) / (y_high - y_low) * _SPAN, 1)

    plain = 'vector-effect="non-scaling-stroke"'
    x_ticks, y_ticks = nice_ticks(x_low, x_high), nice_ticks(y_low, y_high)
    shapes = [f'<path d="M0 {up(t)}H{_SPAN}" stroke="#e2e6ec" {plain}/>' for t in y_ticks]
    shapes.append(f'<path d="M0 0V{_SPAN}H{_SPAN}" fill="none" stroke="#888" {plain}/>')
    for (name, line), colour in zip(series.items(), SERIES_COLOURS, strict=False):
        path = " ".join(f"{across(a)},{up(b)}" for a, b in zip(xs, line, strict=True))
        shapes.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" {plain}/>')
        if points:  # a zero-length stroke with round caps: a dot that stays round however it is stretched
            shapes += [
                f'<path d="M{across(a)} {up(b)}h0" stroke="{colour}" stroke-width="7" stroke-linecap="round" {plain}>'
                f"<title>{escape(x_title)} {_label(a, False)}: {escape(name)} {_label(b, percent)}</title></path>"
                for a, b in zip(xs, line, strict=True)
            ]
    if marked_x is not None:
        shapes.append(f'<path d="M{across(marked_x)} 0V{_SPAN}" stroke="{MARK_COLOUR}" stroke-width="2" {plain}/>')

    at = "position:absolute;white-space:nowrap"
    labels = [
        f'<span style="{at};right:calc(100% + 6px);top:{up(t) / 10}%;transform:translateY(-50%)">'
        f"{_label(t, percent)}</span>"
        for t in y_ticks
    ] + [
        f'<span style="{at};top:calc(100% + 3px);left:{across(t) / 10}%;transform:translateX(-50%)">'
        f"{_label(t, False)}</span>"
        for t in x_ticks
    ]
    legend = "".join(
        f'<span style="margin-left:0.8em"><span style="display:inline-block;width:0.9em;height:3px;'
        f'vertical-align:middle;margin-right:0.3em;background:{colour}"></span>{escape(name)}</span>'
        for name, colour in zip(series, SERIES_COLOURS, strict=False)
    )
    if marked_label:
        legend += (
            f'<span style="margin-left:0.8em"><span style="display:inline-block;width:3px;height:0.9em;'
            f'vertical-align:middle;margin-right:0.3em;background:{MARK_COLOUR}"></span>{escape(marked_label)}</span>'
        )
    plot = f"position:absolute;left:{_LEFT}px;right:{_RIGHT}px;top:{_TOP}px;bottom:{_BOTTOM}px"
    return (
        f'<div class="line-chart" role="img" aria-label="{escape(description)}" '
        f'style="position:relative;height:{height}px;font-size:0.8rem;color:#333">'
        f'<div style="{at};left:0;top:0"><b>{escape(y_title)}</b>{legend}</div>'
        f'<div style="{plot}"><svg width="100%" height="100%" viewBox="0 0 {_SPAN} {_SPAN}" '
        f'preserveAspectRatio="none" style="position:absolute;inset:0;overflow:visible">{"".join(shapes)}</svg>'
        f"{''.join(labels)}</div>"
        f'<div style="{at};left:{_LEFT}px;right:{_RIGHT}px;bottom:0;text-align:center">{escape(x_title)}</div>'
        "</div>"
    )
