"""The ten probabilities as plain HTML bars: one small string per stroke.

A Vega-Lite chart costs the server a table conversion (to Arrow) and a spec on every stroke;
these bars are a few hundred bytes of markup that the browser lays out with CSS (page.css,
`.prob-*`). Pure Python, no Streamlit.
"""

from html import escape

NETWORK_COLOURS = {"convnet": "#1f77b4", "dense net": "#ff7f0e"}


def probability_bars_html(probabilities, highlight: int | None = None) -> str:
    """Ten rows, digit 0-9: a bar as long as its probability and the percentage; `highlight`
    (default: the most probable digit) is drawn darker."""
    best = int(max(range(10), key=lambda d: probabilities[d])) if highlight is None else highlight
    rows = "".join(
        f'<div class="prob-row{" prob-best" if digit == best else ""}"><span class="prob-digit">{digit}</span>'
        f'<span class="prob-track"><span class="prob-bar" style="width:{_percent(p)}"></span></span>'
        f'<span class="prob-value">{_label(p)}</span></div>'
        for digit, p in enumerate(probabilities)
    )
    return f'<div class="prob-chart" role="img" aria-label="probabilities of the digits 0 to 9">{rows}</div>'


def comparison_bars_html(convnet, dense) -> str:
    """Both networks' probabilities, a pair of thin bars per digit, one colour per network."""
    legend = "".join(
        f'<span class="prob-key"><span class="prob-swatch" style="background:{colour}"></span>{escape(name)}</span>'
        for name, colour in NETWORK_COLOURS.items()
    )
    rows = "".join(
        f'<div class="prob-row prob-pair"><span class="prob-digit">{digit}</span><span class="prob-tracks">'
        + "".join(
            f'<span class="prob-track"><span class="prob-bar" style="width:{_percent(p)};background:{colour}"></span>'
            f'<span class="prob-value">{_label(p)}</span></span>'
            for p, colour in zip((convnet[digit], dense[digit]), NETWORK_COLOURS.values(), strict=True)
        )
        + "</span></div>"
        for digit in range(10)
    )
    return f'<div class="prob-chart"><div class="prob-legend">{legend}</div>{rows}</div>'


def _percent(probability) -> str:
    return f"{max(0.0, min(1.0, float(probability))) * 100:.1f}%"


def _label(probability) -> str:
    value = float(probability) * 100
    return "<1%" if 0 < value < 1 else f"{value:.0f}%"
