"""The server's answer in words and markup: the "Not sure" line, the dense net's line, and the
Prediction and the readout as HTML for the page to draw (ui/server_reading.py). Pure Python, no
Streamlit.

One wording for both ways the Prediction is shown: Streamlit's own elements for a test digit,
an upload or a drawing from the class wall (ui/prediction.py), and this markup for a drawing of
one's own, which rides in the stroke's one piece instead of five elements of its own.
"""

from html import escape

import numpy as np

from display.bars import probability_bars_html

LOW_CONFIDENCE = 0.7  # below this the page says the network is unsure


def prediction_value(probabilities) -> str:
    best = int(np.argmax(probabilities))
    return f"{best}  ({probabilities[best]:.0%})"


def unsure_words(probabilities) -> str | None:
    """What the page says under an unsure answer (None when the network is sure enough)."""
    ranked = np.argsort(probabilities)[::-1]
    best, runner_up = int(ranked[0]), int(ranked[1])
    if probabilities[best] >= LOW_CONFIDENCE:
        return None
    return (
        f"Not sure: {probabilities[best]:.0%} for {best}, "
        f"{probabilities[runner_up]:.0%} for {runner_up}. Try drawing it bigger or clearer."
    )


def dense_line(dense_probabilities, bold: tuple[str, str] = ("**", "**")) -> str:
    """What the dense net reads, in one line (`bold`: how the digit is set off, Markdown's by default)."""
    digit = int(np.argmax(dense_probabilities))
    return f"The dense net (no convolutions) reads {bold[0]}{digit}{bold[1]} ({dense_probabilities[digit]:.0%} sure)."


def prediction_html(probabilities, dense_probabilities=None) -> str:
    """The Prediction as the page draws it from the stroke's piece: the value, the "Not sure" line,
    the ten bars and the dense net's line (static/js/server_reading.js; styled by page.css)."""
    unsure = unsure_words(probabilities)
    parts = [
        '<div class="sr-metric"><div class="sr-label">Prediction</div>'
        f'<div class="sr-value">{escape(prediction_value(probabilities))}</div></div>',
        f'<div class="sr-unsure" role="status">{escape(unsure)}</div>' if unsure else "",
        probability_bars_html(probabilities),
        f'<p class="sr-dense">{dense_line(dense_probabilities, ("<strong>", "</strong>"))}</p>'
        if dense_probabilities is not None
        else "",
    ]
    return "".join(parts)


def readout_html(probabilities, dense_probabilities=None) -> str:
    """The answer in one line under the canvas, and the dense net's line under it, as markup for
    the page to draw (the lecture view's readout, ui/server_reading.py)."""
    digit = int(np.argmax(probabilities))
    line = f'<p class="sr-readout">The network reads <strong>{digit}</strong> ({probabilities[digit]:.0%} sure)</p>'
    if dense_probabilities is None:
        return line
    return line + f'<p class="sr-dense">{dense_line(dense_probabilities, ("<strong>", "</strong>"))}</p>'


def message_html(message: str) -> str:
    """Why there is nothing to read (an empty canvas, a dot), where the answer would be."""
    return f'<div class="sr-info" role="status">{escape(message)}</div>'
