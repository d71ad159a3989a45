"""Watch it learn: the snapshots taken while a network trained (cnn/files/snapshots.py), stepped
through with a slider: its first layer going from noise to edge detectors, its accuracy so far,
and its reading of the digit that was on the canvas when training began. The sidebar's live
progress shows the newest snapshot the same way while a training runs.

Session state it owns: `learning_network`, `learning_step_*`.
"""

from functools import lru_cache

import streamlit as st

from cnn.files.snapshots import Snapshot, SnapshotHistory
from display.bars import probability_bars_html
from display.line_chart import line_chart_html
from display.render import enlarge, kernel_grid, png_bytes

NETWORK_NAMES = {"convnet": "Convnet", "mlp": "Dense net"}


def _when(snapshot: Snapshot) -> str:
    if snapshot.step == 0:
        return "before the first step"
    return f"step {snapshot.step} (epoch {snapshot.epoch:.2f})"


@lru_cache(maxsize=128)  # snapshots are frozen and live as long as their cached history
def weights_picture(snapshot: Snapshot) -> bytes:
    """The first layer's weights at this snapshot: 3x3 filters, or 28x28 dense templates."""
    weights = snapshot.weights
    big = weights.shape[0] > 8  # the dense net's templates
    return png_bytes(kernel_grid(weights, columns=weights.shape[-1] if big else 8, scale=2 if big else None))


def _weights_alt(snapshot: Snapshot) -> str:
    return f"A grid of the first layer's weights {_when(snapshot)}: red positive, blue negative, white zero"


def snapshot_ui(snapshot: Snapshot, history_probe=None, compact: bool = False) -> None:
    """One moment of a training: the weights, the accuracy so far, and the probe as read then."""
    reads = int(snapshot.probe_probabilities.argmax())
    sure = float(snapshot.probe_probabilities.max())
    if compact:  # the sidebar
        st.image(weights_picture(snapshot), output_format="PNG", width="stretch", alt=_weights_alt(snapshot))
        st.caption(
            f"{_when(snapshot)}: {snapshot.accuracy:.0%} right on {snapshot.checked:,} test digits; "
            f"the drawing reads as **{reads}** ({sure:.0%})."
        )
        return
    weights_column, probe_column, chart_column = st.columns([1.5, 0.8, 1], gap="medium")
    with weights_column:
        st.image(
            weights_picture(snapshot),
            output_format="PNG",
            width="content",
            caption=f"First layer, {_when(snapshot)} (red +, blue -)",
            alt=_weights_alt(snapshot),
        )
    with probe_column:
        st.image(
            png_bytes(enlarge(history_probe, 140)),
            output_format="PNG",
            width="content",
            caption="The digit followed",
            alt="The 28 by 28 digit this training followed, white on black",
        )
        st.metric("Reads it as", f"{reads} ({sure:.0%})")
        st.metric("Accuracy so far", f"{snapshot.accuracy:.1%}", help=f"On {snapshot.checked:,} MNIST test digits")
    with chart_column:
        st.html(probability_bars_html(snapshot.probe_probabilities))


@st.fragment
def learning_ui(histories: dict[str, SnapshotHistory | None]) -> None:
    """histories: network ("convnet", "mlp") -> its snapshots, or None if it has none."""
    st.header("Watch it learn")
    available = [arch for arch, history in histories.items() if history is not None]
    if not available:
        st.info("These models were saved without training snapshots; retrain one from the sidebar to record them.")
        return
    arch = st.radio(
        "Network",
        available,
        format_func=NETWORK_NAMES.get,
        horizontal=True,
        key="learning_network",
        label_visibility="collapsed",
    )
    history = histories[arch]
    missing = [NETWORK_NAMES[a] for a, h in histories.items() if h is None]
    st.caption(
        f"{len(history.snapshots)} snapshots taken while it trained, from random weights to the model in use."
        + (f" ({', '.join(missing)}: no snapshots; retrain it to record them.)" if missing else "")
    )
    snapshots = history.snapshots
    index = st.select_slider(
        "Training step",
        options=range(len(snapshots)),
        value=len(snapshots) - 1,
        format_func=lambda i: _when(snapshots[i]),
        key=f"learning_step_{arch}",
    )
    snapshot_ui(snapshots[index], history.probe)
    st.markdown(accuracy_curve_html(snapshots, snapshots[index]), unsafe_allow_html=True)


def accuracy_curve_html(snapshots: list[Snapshot], shown: Snapshot) -> str:
    """Accuracy so far against the training step, the snapshot on show marked. Plain markup, not
    st.vega_lite_chart: that one chart made every first page load fetch vega-embed (272 KB)."""
    return line_chart_html(
        [s.step for s in snapshots],
        {"accuracy so far": [s.accuracy for s in snapshots]},
        x_title="training step",
        y_title=f"Accuracy so far on {shown.checked:,} test digits",
        description=f"Accuracy so far against the training step; marked: {_when(shown)}, {shown.accuracy:.1%}",
        y_domain=(0.0, 1.0),
        percent=True,
        marked_x=shown.step,
        marked_label="on show",
        points=True,
        height=190,
    )
