"""Where each network still reads the digit when it is moved or scaled: the drawing's 28x28
input shifted by up to 6 pixels each way (and scaled 0.6-1.2) without the centring step, both
networks in one batch each, shown as two maps side by side.

Session state it owns: `show_shift_map`, `shift_map` (the last maps, keyed by input and models).
"""

import hashlib
import time

import pandas as pd
import streamlit as st

from cnn.net.reading import Reading
from cnn.net.shifts import SCALES, SHIFTS, ShiftMap, shift_map
from cnn.serving.model_store import LoadedModel
from display.charts import shift_heatmap_spec


def _key(reading: Reading, conv: LoadedModel, dense: LoadedModel) -> tuple:
    return hashlib.blake2b(reading.image.tobytes(), digest_size=8).hexdigest(), conv.version, dense.version


def shift_maps(reading: Reading, conv: LoadedModel, dense: LoadedModel) -> tuple[ShiftMap, ShiftMap, float]:
    """Both maps for this input, computed once (kept for the session until the input changes)."""
    key = _key(reading, conv, dense)
    kept = st.session_state.get("shift_map")
    if kept and kept[0] == key:
        return kept[1]
    started = time.perf_counter()
    maps = (shift_map(conv.extractor.classify, reading.image), shift_map(dense.extractor.classify, reading.image))
    result = (*maps, time.perf_counter() - started)
    st.session_state.shift_map = (key, result)
    return result


def _describe(name: str, moved: ShiftMap) -> str:
    return (
        f"the {name} reads {moved.digit} at **{moved.tolerated} of {moved.read.size}** positions "
        f"(everywhere within ±{moved.reach} px) and at {len(moved.scales_tolerated)} of {len(SCALES)} scales"
    )


def test_set_table(conv: LoadedModel, dense: LoadedModel) -> pd.DataFrame | None:
    """Test accuracy of both networks with every digit moved 0, 2, 4, 6 px, from their cards."""
    conv_shifts = conv.card.shift_accuracy if conv.card else {}
    dense_shifts = dense.card.shift_accuracy if dense.card else {}
    distances = [d for d in conv_shifts if d in dense_shifts]
    if not distances:
        return None
    return pd.DataFrame(
        {
            "moved by": [f"{d} px" for d in distances],
            "convnet": [f"{conv_shifts[d]:.1%}" for d in distances],
            "dense net": [f"{dense_shifts[d]:.1%}" for d in distances],
        }
    )


def shift_map_ui(reading: Reading, conv: LoadedModel, dense: LoadedModel | None) -> None:
    st.subheader("Move your digit around. Does each network still read it?")
    if dense is None:
        return
    if not st.toggle(
        f"Map it: your digit moved up to {max(SHIFTS)} px each way and scaled {min(SCALES):g}-{max(SCALES):g}",
        key="show_shift_map",
    ):
        st.caption(
            "The page centres every drawing the way MNIST's digits are centred. This map skips that "
            "step and moves your digit around, to show which network cares where the digit is."
        )
        return
    conv_map, dense_map, seconds = shift_maps(reading, conv, dense)
    st.markdown(
        f"Moved up to {max(SHIFTS)} px in any direction, {_describe('convnet', conv_map)}; "
        f"{_describe('dense net', dense_map)}. Green: still sure; a red digit: what it reads instead. "
        "The convnet's filters slide with the digit; the dense net's weights are nailed to pixel positions."
    )
    left, right = st.columns(2, gap="medium")
    left.vega_lite_chart(shift_heatmap_spec(conv_map, SHIFTS, "Convnet"), width="stretch")
    right.vega_lite_chart(shift_heatmap_spec(dense_map, SHIFTS, "Dense net"), width="stretch")
    scales = pd.DataFrame(
        {
            "scaled by": [f"{s:g}" for s in SCALES],
            "convnet reads": [str(d) for d in conv_map.scale_read],
            "P (convnet)": [f"{p:.0%}" for p in conv_map.scale_probability],
            "dense net reads": [str(d) for d in dense_map.scale_read],
            "P (dense net)": [f"{p:.0%}" for p in dense_map.scale_probability],
        }
    )
    table_column, test_column = st.columns([1.4, 1], gap="medium")
    table_column.dataframe(scales.set_index("scaled by").T, width="stretch")
    table = test_set_table(conv, dense)
    if table is not None:
        test_column.markdown("**On the 10,000 MNIST test digits**, each moved up, down, left and right:")
        test_column.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"{len(SHIFTS) ** 2 + len(SCALES)} moved copies, one batch per network: {seconds * 1000:.0f} ms.")
