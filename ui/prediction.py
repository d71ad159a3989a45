"""The answer: the one-line readout under the canvas, the Prediction with its ten probabilities,
and "Why this answer?" (saliency).

Session state it owns: `show_saliency`, `saliency_class`.
"""

import numpy as np
import streamlit as st

from cnn.net.reading import Reading
from cnn.net.saliency import saliency
from cnn.serving.model_store import LoadedModel
from display.answer import prediction_value, unsure_words
from display.bars import probability_bars_html
from display.render import heat_overlay
from ui.pictures import show_picture


def readout_ui(container, reading: Reading) -> None:
    """The answer in one line, right under the drawing (shown on narrow screens only, see page.css)."""
    container.container(key="readout_answer").markdown(
        f"The network reads **{reading.digit}** ({reading.confidence:.0%} sure)"
    )


def prediction_ui(reading: Reading) -> None:
    """For a test digit, an upload or a wall drawing (a drawing of one's own: ui/server_reading.py)."""
    probabilities = reading.probabilities
    st.metric("Prediction", prediction_value(probabilities))
    unsure = unsure_words(probabilities)
    if unsure:
        st.warning(unsure)
    probability_chart_ui(probabilities)


def probability_chart_ui(probabilities: np.ndarray) -> None:
    st.html(probability_bars_html(probabilities))


def why_asked_ui() -> bool:
    """The switch for why_ui; apart from it, so a stroke does not send it again."""
    return st.toggle("Why this answer?", key="show_saliency")


def why_ui(loaded: LoadedModel, reading: Reading) -> None:
    """Saliency: which pixels the chosen class' probability is most sensitive to."""
    asked = st.selectbox("For the digit", range(10), index=reading.digit, key="saliency_class")
    heat = saliency(loaded.network, reading.image, int(asked))
    show_picture(
        st,
        heat_overlay(reading.image, heat, 252),
        alt=f"The 28 by 28 input with a heat map over it: the brighter a pixel, the more changing it would change "
        f"the probability of {asked}",
        caption=f"Bright: pixels that change the probability of {asked} the most",
    )
