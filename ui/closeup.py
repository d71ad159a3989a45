"""The convolution close-up of the detailed view: one value of a feature map computed in front of
the class.

Session state it owns: `show_closeup`, `closeup_*`.
"""

import numpy as np
import pandas as pd
import streamlit as st

from cnn.net.reading import Reading
from cnn.serving.model_store import LoadedModel
from display.closeup import reading_closeup, strongest_point
from ui.unit_examples import examples_ui, start_finding_examples


def forget_closeup() -> None:
    """When the close-up is not drawn, Streamlit forgets its widgets; forget the point chosen
    too, so that it reopens on the map's strongest unit rather than at row 0, column 0."""
    st.session_state.pop("closeup_choice", None)


def closeup_heading_ui(loaded: LoadedModel) -> bool:
    """The close-up's heading and switch, apart from closeup_ui so a stroke does not send them
    again; whether it is asked for."""
    st.header("Convolution close-up")
    start_finding_examples(loaded)  # in the background, once per model: ready when someone looks
    if st.toggle("Show how one value of a feature map is computed", key="show_closeup"):
        return True
    forget_closeup()
    return False


def closeup_ui(loaded: LoadedModel, reading: Reading) -> None:
    """One output value of a Conv2D layer, computed in front of the class, and the test digits
    that excite it most; for a Dense unit or one of the ten digits, those digits alone (under
    closeup_heading_ui, when it is asked for)."""
    conv_layers = [layer.name for layer in loaded.layers if layer.kind == "Conv2D"]
    dense_layers = [layer.name for layer in loaded.layers if layer.kind == "Dense"]
    layer_column, channel_column, row_column, column_column = st.columns(4)
    layer = layer_column.selectbox("Layer", conv_layers + dense_layers, key="closeup_layer")
    if layer in dense_layers:
        units = loaded.layer(layer).shape[0]
        last = layer == dense_layers[-1]
        unit = channel_column.number_input("Digit" if last else "Unit", 0, units - 1, 0, key="closeup_unit")
        examples_ui(loaded, layer, int(unit))
        return
    size, _, channels = reading.maps[layer].shape
    channel = channel_column.number_input("Channel", 0, channels - 1, 0, key="closeup_channel")
    # Open on the map's strongest unit, never on a blank patch; a point chosen by hand stays until
    # the layer, the channel or the drawing's strongest point changes.
    strongest = strongest_point(reading.maps[layer][..., int(channel)])
    if st.session_state.get("closeup_choice") != (layer, int(channel), strongest):
        st.session_state.closeup_choice = (layer, int(channel), strongest)
        st.session_state.closeup_row, st.session_state.closeup_column = strongest
    row = row_column.number_input("Row", 0, size - 1, key="closeup_row")
    column = column_column.number_input("Column", 0, size - 1, key="closeup_column")
    closeup = reading_closeup(loaded, reading, layer, int(channel), int(row), int(column))
    if "patch" in closeup:  # one input channel: patch x kernel = products, as coloured grids
        kernel_limit = float(np.abs(closeup["kernel"]).max()) or 1.0
        product_limit = float(np.abs(closeup["products"]).max()) or 1.0
        for container, title, values, colours in zip(
            st.columns(3),
            ("Input patch (3x3)", f"x kernel of channel {channel}", "= products"),
            (closeup["patch"], closeup["kernel"], closeup["products"]),
            (("Greys_r", 0.0, 1.0), ("RdBu_r", -kernel_limit, kernel_limit), ("RdBu_r", -product_limit, product_limit)),
            strict=True,
        ):
            container.markdown(f"**{title}**")
            container.dataframe(coloured_grid(values, *colours), hide_index=True, width="stretch")
    else:
        shares = closeup["strongest"]
        st.markdown(
            f"The kernel spans all {closeup['inputChannels']} input channels; the strongest shares "
            f"(3x3 patch x kernel, summed), red adding and blue taking away:"
        )
        limit = max(abs(s["share"]) for s in shares) or 1.0
        table = pd.DataFrame(
            {
                "input channel": [f"{closeup['inputName']} #{s['channel']}" for s in shares],
                "share": [s["share"] for s in shares],
            }
        )
        styled = table.style.background_gradient(cmap="RdBu_r", vmin=-limit, vmax=limit, subset=["share"])
        st.dataframe(styled.format({"share": "{:+.4f}"}), hide_index=True)
        st.caption(f"The other {closeup['inputChannels'] - len(shares)} channels add {closeup['others']:+.4f}.")
    st.markdown(
        f"Sum of the products **{closeup['sum']:+.4f}**, plus bias **{closeup['bias']:+.4f}** "
        f"= **{closeup['preActivation']:+.4f}**; ReLU keeps max(0, that) = **{closeup['output']:.4f}**, the value "
        f"of {layer} channel {channel} at row {row}, column {column}."
    )
    examples_ui(loaded, layer, int(channel), int(row), int(column))


def coloured_grid(values, cmap: str, low: float, high: float):
    """A small grid of numbers, each cell coloured by its value: the picture and the numbers at once."""
    return pd.DataFrame(values).style.background_gradient(cmap=cmap, vmin=low, vmax=high, axis=None).format("{:.3f}")
