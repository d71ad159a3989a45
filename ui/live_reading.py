"""The live reading under the canvas: the network runs in the page (static/js/live_reading.js)
on every pen move, from weights this server publishes once per model version
(cnn/serving/browser_files.py). Sent per run: one short address and the server's ten
probabilities, nothing per stroke that the page draws itself."""

import numpy as np

from cnn.net.reading import Reading
from cnn.serving.browser_files import published_weights
from cnn.serving.model_store import LoadedModel
from ui.components import STATIC, own_component

_live = own_component("live_reading", html='<div class="lr-root" data-state="loading"></div>')


def live_reading_ui(loaded: LoadedModel | None, reading: Reading | None) -> None:
    """`reading`: the server's reading of the drawing it received (None when there is none)."""
    if loaded is None:
        return
    name = published_weights(loaded.network, STATIC / "weights")
    server = None if reading is None else np.round(reading.probabilities.astype(float), 6).tolist()
    _live(data={"weights": f"app/static/weights/{name}", "server": server}, key="live_reading")
