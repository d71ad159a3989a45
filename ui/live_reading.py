"""The live reading under the canvas: the network runs in the page (static/js/live_reading.js)
on every pen move, from weights this server publishes once per model version
(cnn/serving/browser_files.py). Sent per run: one short address and the server's ten
probabilities, nothing per stroke that the page draws itself.

`page_network` is what every piece of ours that runs the network in the page is sent: the
weights' address and the server's own input, so a page that cannot read a canvas (a test digit,
an upload) runs the network on exactly what the server read.
"""

import base64

import numpy as np

from cnn.net.reading import Reading
from cnn.serving.browser_files import published_weights
from cnn.serving.model_store import LoadedModel
from ui.canvas import CONTROLS_DATA, CONTROLS_HTML
from ui.components import STATIC, own_component

_ROOT = '<div class="lr-root" data-state="loading"></div>'
_live = own_component("live_reading", html=_ROOT)
# The same reading with the canvas's Undo / Redo / Clear above it, one piece right under the
# canvas: each piece of ours costs the server ~0.3 ms to mount on every stroke (Streamlit's JSON,
# hashing and widget bookkeeping), whether or not its data changed.
# Under the buttons, the gap Streamlit leaves between two elements (as when they were two pieces).
_live_with_controls = own_component(
    "canvas_controls",
    html=CONTROLS_HTML + _ROOT.replace("<div ", '<div style="margin-top: calc(1rem + 2px)" ', 1),
    name="canvas_reading",
    css=("canvas_controls", "live_reading"),
)


def weights_address(loaded: LoadedModel) -> str:
    """The page-relative address of this model version's weights file (written once)."""
    return f"app/static/weights/{published_weights(loaded.network, STATIC / 'weights')}"


def page_network(loaded: LoadedModel, reading: Reading | None, follows_pen: bool) -> dict:
    """{weights, input: the server's 28 x 28 input as base64 float32 (None: nothing read),
    live: whether the page reads the canvas itself while the pen moves}."""
    image = None
    if reading is not None:
        image = base64.b64encode(np.ascontiguousarray(reading.image, "<f4").tobytes()).decode("ascii")
    return {"weights": weights_address(loaded), "input": image, "live": follows_pen}


def live_reading_ui(
    loaded: LoadedModel | None,
    reading: Reading | None,
    with_controls: bool = False,
    markup: dict | None = None,
    on_send=None,
    dense: LoadedModel | None = None,
) -> None:
    """`reading`: the server's reading of the drawing it received (None when there is none).
    with_controls: the canvas's buttons too, above the reading (the canvas drawn without them,
    ui/canvas.py canvas_ui(controls=False), right before).
    markup: {answer: the server's Prediction, readout: its answer in a line or why there is none}
    as markup (display/answer.py), for the page to draw beside (ui/server_reading.py); send: what
    the page's send row is drawn from (ui/send.py send_row).
    on_send: called when the page's Send is pressed, before the run (ui/send.py asked_to_send).
    dense: the dense net, to run in the page too (its line under the live reading, while the pen
    moves): only when asked for, the chapter that compares the two open. Its weights are 747 KB
    over the wire, three times the convnet's and our code's together: every student of a hall
    fetching them at once would fill the hall's Wi-Fi for a minute, for one line."""
    if loaded is None:
        return
    # A tuple: the same JSON as a list, and Streamlit's search of the data for a dataframe skips it.
    server = None if reading is None else tuple(np.round(reading.probabilities.astype(float), 6).tolist())
    data = page_network(loaded, reading, True) | {"server": server} | (markup or {})
    if dense is not None:
        data["dense_weights"] = weights_address(dense)
    if with_controls:
        _live_with_controls(data=data | CONTROLS_DATA, key="live_reading", on_send_change=on_send)
    else:
        _live(data=data, key="live_reading")
