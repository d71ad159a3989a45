"""The notebook's lesson on the visitor's own digit: the convnet beside a plain dense network
(the multilayer perceptron of the notebook before), both reading the same 28x28 input.

Session state it owns: nothing (the shift map, ui/shift_map.py, is a section of its own).
"""

import numpy as np
import streamlit as st

from cnn.net.reading import Reading
from cnn.serving.model_store import LoadedModel
from display.answer import dense_line
from display.bars import comparison_bars_html
from display.render import png_bytes, template_picture

NOTEBOOK_MLP_ACCURACY = 0.92  # "our MLP network from the previous notebook had ... approximately 92%"
STRONGEST_TEMPLATES = 6  # hidden units of the dense net shown for the current drawing


def dense_line_ui(dense: Reading | None) -> None:
    """One line under the Prediction: what the dense net reads, for a glance without scrolling."""
    if dense is not None:
        st.caption(dense_line(dense.probabilities))


def _accuracy_text(loaded: LoadedModel) -> str:
    card = loaded.card
    return f"{card.test_accuracy:.2%} on the MNIST test set" if card else "test accuracy unknown (no model card)"


def compare_ui(
    conv: LoadedModel,
    conv_reading: Reading,
    dense: LoadedModel | None,
    dense_reading: Reading | None,
    filters_png: bytes,
    problem: str | None,
) -> None:
    st.header("Dense net vs convnet, on your digit")
    if dense is None or dense_reading is None:
        st.info(
            "The dense net is not available, so there is nothing to compare with"
            + (f": {problem}" if problem else ".")
            + " Train it from the sidebar (Network: dense net) or with `python -m cnn train --arch mlp`."
        )
        return
    st.caption(
        "The notebook ends on this: a dense network (every pixel wired to every unit) scored about "
        f"{NOTEBOOK_MLP_ACCURACY:.0%} on MNIST, the convnet 99%. Both read the same 28x28 input here."
    )
    conv_column, dense_column, chart_column = st.columns([1, 1, 1.6], gap="medium")
    with conv_column:
        st.metric("Convnet reads", f"{conv_reading.digit}  ({conv_reading.confidence:.0%})")
        st.caption(f"**{conv.parameters:,} parameters**; {_accuracy_text(conv)}.")
    with dense_column:
        st.metric("Dense net reads", f"{dense_reading.digit}  ({dense_reading.confidence:.0%})")
        st.caption(
            f"**{dense.parameters:,} parameters** ({dense.parameters / conv.parameters:.1f} times as many); "
            f"{_accuracy_text(dense)} (the notebook's: about {NOTEBOOK_MLP_ACCURACY:.0%})."
        )
    with chart_column:
        st.html(comparison_bars_html(conv_reading.probabilities, dense_reading.probabilities))
    filters_column, templates_column = st.columns([1, 1.6], gap="medium")
    with filters_column:
        st.markdown("**What the convnet looks for**: 32 small filters, slid over the whole image")
        st.image(filters_png, output_format="PNG", width="content", caption="conv1's 3x3 filters (red +, blue -)")
    with templates_column:
        units, pictures = strongest_templates(dense, dense_reading)
        st.markdown(
            "**What the dense net looks for**: one 28x28 weight template per hidden unit, fixed to "
            "pixel positions. These are the units your digit excites most:"
        )
        st.image(pictures, caption=[f"unit {unit}" for unit in units], output_format="PNG", width="content")
        st.caption(
            f"{len(units)} of {dense_reading.dense.size} units (red +, blue -, one scale for all); "
            "move the digit and different pixels meet these weights"
        )


def strongest_templates(dense: LoadedModel, reading: Reading, count: int = STRONGEST_TEMPLATES):
    """(unit numbers, one PNG each) of the hidden units with the largest activation for this
    drawing, strongest first. Each unit's picture is drawn once per model and kept: a stroke
    then only picks pictures, where drawing a strip of six cost ~3 ms per stroke."""
    units = [int(u) for u in np.argsort(reading.dense)[::-1][:count]]
    return units, [_template_png(dense, unit) for unit in units]


def _template_png(dense: LoadedModel, unit: int) -> bytes:
    key = (id(dense.network), dense.version, unit)
    picture = _TEMPLATE_PICTURES.get(key)
    if picture is None:
        kernel = dense.kernel("dense")[0]  # (784, units)
        picture = png_bytes(template_picture(kernel[:, unit], _colour_limit(dense)))
        if len(_TEMPLATE_PICTURES) >= 2048:  # bounded: forget them all, they are quick to redraw
            _TEMPLATE_PICTURES.clear()
        _TEMPLATE_PICTURES[key] = picture
    return picture


def _colour_limit(dense: LoadedModel) -> float:
    """One colour scale for every unit of a model: the 99.9th percentile of all its first-layer
    weights, so a few extreme weights do not wash the rest out (12 ms: once per model)."""
    key = (id(dense.network), dense.version, "limit")
    limit = _TEMPLATE_PICTURES.get(key)
    if limit is None:  # kept in a local: another session may clear the dict meanwhile
        limit = float(np.percentile(np.abs(dense.kernel("dense")[0]), 99.9))
        _TEMPLATE_PICTURES[key] = limit
    return limit


# (model, version, unit) -> PNG, and (model, version, "limit") -> its colour scale; shared by
# every session of the process.
_TEMPLATE_PICTURES: dict[tuple, bytes | float] = {}
