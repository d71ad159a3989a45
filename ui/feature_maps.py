"""The feature maps of every Conv2D (and, on request, pooling) layer, drawn in the browser
(static/js/feature_grid.js): each layer's heading and story, its grid with a click-to-enlarge channel, a
PNG download of the grid made in the browser, and the first layer's filters after its maps.

The page runs the network itself and draws the maps from it while the pen moves, so the server
sends no maps: the layers' words and shapes, the weights' address and its own input
(ui/live_reading.py page_network).

All layers go to the browser as ONE element: Streamlit re-sends every element of a fragment on
every run, and the heading, story, grid and download button of three layers as separate elements
(13 in all) cost the server more per stroke than the arrays themselves. Following the pen, the
element is made once, outside the stroke's own fragment (app.py pen_ui), and not sent again.
The filters go as their 288 weights, not as a picture (a 14 KB PNG in every stroke's message).

Session state it owns: `show_pooling`, `feature_maps`.
"""

import base64
import weakref

import numpy as np
import streamlit as st

from cnn.net.reading import Reading
from cnn.serving.model_store import LoadedModel
from display.captions import layer_heading, layer_story
from display.render import diverging_indices, grid_frame
from ui.components import RED_BLUE, VIRIDIS, own_component
from ui.live_reading import page_network

_feature_grid = own_component("feature_grid", html='<div class="fg-root"></div>')


def feature_maps_ui(loaded: LoadedModel, reading: Reading | None, follows_pen: bool) -> None:
    """follows_pen: the input is the canvas, which the page reads itself on every pen move (then
    `reading` is not needed, and the grids are made once, not on every stroke: app.py pen_ui)."""
    st.header("Feature maps: the network's view, layer by layer")
    show_pooling = st.toggle("Show the pooling layers too", key="show_pooling")
    data = _model_part(loaded, loaded.extractor.layer_names, show_pooling)
    # Following the pen, the page needs no input from here: the data then stays the same from
    # stroke to stroke, and Streamlit neither re-sends the grids' sections nor rebuilds them.
    _feature_grid(data=data | page_network(loaded, None if follows_pen else reading, follows_pen), key="feature_maps")


# network -> {(maps shown, pooling): the grids' data that belongs to the model}; gone with the model.
_made: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _model_part(loaded: LoadedModel, maps: tuple[str, ...], show_pooling: bool) -> dict:
    """The layers' words and shapes, the palette, the first filters and the grid's frame: the same
    for every drawing of one model version, so made once (the filters' colour indices and base64
    were recomputed on every stroke). Lists as tuples: the same JSON, and Streamlit's search of
    each top-level value for a dataframe returns at once for a tuple (~50 us a list otherwise)."""
    made = _made.setdefault(loaded.network, {})
    if (maps, show_pooling) not in made:
        layers = tuple(
            {"name": layer.name, "heading": layer_heading(layer), "story": layer_story(layer), "shape": [*layer.shape]}
            for layer in loaded.layers
            if layer.name in maps and (layer.kind != "MaxPooling2D" or show_pooling)
        )
        filters = first_filters(loaded)
        made[maps, show_pooling] = {"layers": layers, "palette": VIRIDIS, "filters": filters, "grid": grid_frame()}
    return made[maps, show_pooling]


def first_filters(loaded: LoadedModel) -> dict:
    """The first Conv2D's kernels for the browser to draw after that layer's maps: uint8 (C, k, k)
    on one diverging scale for all (0 = most negative weight, 255 = most positive, 127.5 = zero)."""
    first = loaded.layer(loaded.first_conv)
    kernels = loaded.kernel(first.name)[0][:, :, 0, :]  # (k, k, C)
    pixels = diverging_indices(kernels, float(np.abs(kernels).max())).transpose(2, 0, 1)
    return {
        "after": first.name,
        "shape": list(kernels.shape),
        "data": base64.b64encode(pixels.tobytes()).decode("ascii"),
        "palette": RED_BLUE,
        "caption": f"The {first.shape[2]} learned {first.window}x{first.window} filters (red +, blue -) "
        "that made these maps",
    }
