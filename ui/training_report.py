"""The training report: the current model's curves, its confusion matrix on the test set and the
test digits it gets wrong, each a click away from being the input.

Session state it owns: `show_report`, `use_*`.
"""

import numpy as np
import pandas as pd
import streamlit as st

from cnn.files.mnist import MnistError
from cnn.serving.model_store import LoadedModel
from display.render import enlarge
from ui.inputs import use_test_digit
from ui.pictures import show_picture
from ui.resources import test_digits


def training_report_ui(loaded: LoadedModel) -> None:
    """How the current model was trained and what it gets wrong on the 10,000 test digits."""
    st.header("Training report")
    if not st.toggle("Show the training report of the current model", key="show_report"):
        return
    history = loaded.card.history if loaded.card else {}
    if history.get("loss"):
        epochs = list(range(1, len(history["loss"]) + 1))
        st.line_chart(
            {"epoch": epochs, "loss": history["loss"], "accuracy": history["accuracy"]},
            x="epoch",
            y=["loss", "accuracy"],
            height=220,
        )
    try:
        digits = test_digits()
    except MnistError as error:
        st.warning(f"The MNIST test set is not available here: {error}")
        return
    matrix = digits.confusion(loaded.extractor)
    st.markdown("**Confusion matrix** on the test set: rows are the true digits, columns what the network read.")
    table = pd.DataFrame({"true": list(range(10)), **{f"read {d}": matrix[:, d] for d in range(10)}})
    counts = [f"read {d}" for d in range(10)]
    # A heatmap on a log scale: the diagonal holds ~1,000 per digit, the mistakes a handful each,
    # and both must show.
    heat = table.style.background_gradient(cmap="Blues", subset=counts, gmap=np.log1p(matrix), axis=None)
    st.dataframe(heat, hide_index=True)
    wrong = digits.misclassified(loaded.extractor)
    predicted = digits.predicted(loaded.extractor)
    st.markdown(f"**{len(wrong)} test digits it gets wrong**; press one to look at it closely.")
    for row_start in range(0, min(len(wrong), 24), 8):
        for column, index in zip(st.columns(8), wrong[row_start : row_start + 8], strict=False):
            show_picture(
                column,
                enlarge(digits.images[index], 84),
                alt=f"Test digit {digits.labels[index]}, which the network reads as {predicted[index]}",
            )
            column.button(
                f"{digits.labels[index]} read as {predicted[index]}",
                key=f"use_{index}",
                on_click=use_test_digit,
                args=(int(index), loaded.version),
            )
