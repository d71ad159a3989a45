"""The feature maps of every Conv2D (and, on request, pooling) layer, drawn in the browser
(feature_grid.js) with a click-to-enlarge channel, the first layer's filters, and PNG downloads
drawn only when asked for.

Session state it owns: `show_pooling`, `grid_*`, `download_*`.
"""

import streamlit as st

from cnn.model_store import LoadedModel
from cnn.reading import Reading
from display.captions import layer_heading, layer_story
from display.lecture import quantise
from display.render import feature_grid, png_bytes
from ui.components import VIRIDIS, own_component

_feature_grid = own_component("feature_grid", html='<div class="fg-root"></div>')


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
        data, peaks = quantise(reading.maps[name])
        _feature_grid(
            data={"name": name, "shape": list(layer.shape), "data": data, "peaks": peaks, "palette": VIRIDIS},
            key=f"grid_{name}",
        )
        maps = reading.maps[name]
        st.download_button(
            f"Download the {name} grid (PNG)",
            lambda maps=maps: png_bytes(feature_grid(maps)),  # drawn only when someone asks for it
            file_name=f"{name}.png",
            mime="image/png",
            on_click="ignore",
            key=f"download_{name}",
        )
        if name == loaded.first_conv:
            st.image(
                filters_png,
                output_format="PNG",
                width="content",  # any other width makes Streamlit resize and re-encode it every run
                caption=f"The {channels} learned {layer.window}x{layer.window} filters (red +, blue -) "
                "that made these maps",
            )
