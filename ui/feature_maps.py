"""The feature maps of every Conv2D (and, on request, pooling) layer, with channel zoom,
conv1's filters and PNG downloads.

Session state it owns: `show_pooling`, `zoom_*`.
"""

import streamlit as st

from cnn.model_store import LoadedModel
from cnn.reading import Reading
from display.captions import layer_heading, layer_story
from display.render import enlarge, feature_grid, png_bytes
from ui.pictures import show_picture


def feature_maps_ui(loaded: LoadedModel, reading: Reading, filters_png: bytes) -> None:
    """filters_png: the picture of the first Conv2D's kernels, shown beside that layer's maps."""
    st.header("Feature maps: the network's view, layer by layer")
    show_pooling = st.toggle("Show the pooling layers too", key="show_pooling")
    for layer in loaded.layers:
        if layer.name not in reading.maps or (layer.kind == "MaxPooling2D" and not show_pooling):
            continue
        name, channels = layer.name, layer.shape[2]
        st.subheader(layer_heading(layer))
        st.caption(layer_story(layer))
        grid_column, zoom_column = st.columns([3, 1])
        grid_png = png_bytes(feature_grid(reading.maps[name]))
        grid_column.image(grid_png, output_format="PNG", width="stretch")
        grid_column.download_button(
            f"Download the {name} grid (PNG)",
            grid_png,
            file_name=f"{name}.png",
            mime="image/png",
            on_click="ignore",
            key=f"download_{name}",
        )
        channel = zoom_column.number_input(f"Enlarge a channel of {name}", 0, channels - 1, 0, key=f"zoom_{name}")
        single = reading.maps[name][..., channel]
        peak = float(single.max())
        show_picture(
            zoom_column,
            enlarge(single / peak if peak > 0 else single, 240, cmap="viridis"),
            caption=f"{name} channel {channel}, strongest response {peak:.2f}",
        )
        if name == loaded.first_conv:
            zoom_column.image(
                filters_png,
                output_format="PNG",
                width="stretch",
                caption=f"The {channels} learned {layer.window}x{layer.window} filters (red +, blue -) "
                "that made these maps",
            )
