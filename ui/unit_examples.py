"""What excites a unit, for the unit panels: the lecture view's inspector (sent with its data) and
the detailed view's close-up (drawn here). The examples are found once per model version by the
server-wide shelf (cnn/serving/unit_examples.py) in the background; a run only looks them up, and
each unit's block is made once (about 0.5 ms) and kept, so a stroke with a unit open costs a lookup.

Session state it owns: none.
"""

import os
import weakref

import streamlit as st

from cnn.files.mnist import ENV_VAR
from cnn.serving.example_files import publish_example_files
from cnn.serving.model_store import LoadedModel
from cnn.serving.unit_examples import UnitExampleShelf, local_test_set
from display.render import png_bytes
from display.unit_examples import examples_picture, unit_examples_block
from ui.components import STATIC
from ui.resources import model_path

EXAMPLES_FOLDER = STATIC / "examples"  # served at app/static/examples/ (server.enableStaticServing)


def unit_example_shelf() -> UnitExampleShelf:
    """One per server process: MNIST's test digits (from a file on this machine, never a download)
    and the examples of each model version."""
    return _shelf(os.environ.get(ENV_VAR))


@st.cache_resource
def _shelf(mnist_npz: str | None) -> UnitExampleShelf:
    # Keyed by MNIST_NPZ: a process whose MNIST_NPZ changes (the tests) reads the new set.
    return UnitExampleShelf(local_test_set())


def start_finding_examples(loaded: LoadedModel) -> None:
    """Called on every run: the first look at a model version starts its search, so it is ready by
    the time someone opens a unit. Once started, asking again changes nothing (the shelf keeps it
    building, ready or failed), so later runs skip even the shelf's cached lookup (~0.2 ms a stroke
    in py-spy); opening a unit asks the shelf itself (unit_examples)."""
    where = (os.environ.get(ENV_VAR), model_path())  # what the shelf and the file beside the model depend on
    started = _started.setdefault(loaded.network, set())
    if where not in started:
        unit_example_shelf().examples(loaded.network, where[1])
        started.add(where)


_started: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # network -> {(MNIST_NPZ, model path)}


def published_examples(loaded: LoadedModel) -> dict | None:
    """{folder: the address of this model version's files for the page (cnn/serving/example_files.py),
    searched: how many test digits}, or None while they are found (or cannot be). Asked on every
    stroke of the lecture view, so a click needs no round trip: once there, a dictionary lookup."""
    where = (os.environ.get(ENV_VAR), model_path())
    known = _addresses.setdefault(loaded.network, {})
    if where not in known:
        shelf = unit_example_shelf()
        state = shelf.examples(loaded.network, where[1])
        if state.examples is None:
            return None
        name = publish_example_files(EXAMPLES_FOLDER, shelf.key(loaded.network), state.examples, shelf.test_set.labels)
        known[where] = {"folder": f"app/static/examples/{name}", "searched": int(state.examples.images)}
    return known[where]


_addresses: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # network -> {(MNIST_NPZ, model path): dict}


def unit_examples(loaded: LoadedModel, layer: str, channel: int, row: int = 0, column: int = 0) -> dict:
    """The block for one unit (display/unit_examples.py), or {"message": why not (yet),
    "building": bool} while there are none."""
    shelf = unit_example_shelf()
    state = shelf.examples(loaded.network, model_path())
    if state.examples is None:
        return {"layer": layer, "channel": channel, "message": state.message, "building": state.building}
    return _block(shelf.key(loaded.network), layer, channel, row, column, shelf, state.examples, loaded)


@st.cache_resource(max_entries=512, show_spinner=False)
def _block(key: str, layer: str, channel: int, row: int, column: int, _shelf, _examples, _loaded) -> dict:
    """Made once per unit and model version (`key`), shared by every session."""
    return unit_examples_block(_examples, _shelf.test_set, _loaded.layer(layer), _loaded.weights, channel, row, column)


def examples_ui(loaded: LoadedModel, layer: str, channel: int, row: int = 0, column: int = 0) -> None:
    """The detailed view's "What excites this unit": the digits as one picture, their numbers in words."""
    block = unit_examples(loaded, layer, channel, row, column)
    if "message" in block:
        st.info(block["message"])
        if block["building"]:
            st.button("Show them", key="examples_refresh", help="They are being found; this looks again")
        return
    images = unit_example_shelf().test_set.images
    if block["kind"] == "class":
        for which, words in (("most", "surest"), ("least", "least sure")):
            _digits_ui(
                block, images, which, f"The test {channel}s the network is {words} of (probability of {channel})"
            )
        return
    unit = (
        f"{layer} channel {channel} at row {row}, column {column}"
        if block["kind"] == "map"
        else f"{layer} unit {channel}"
    )
    if not block["examples"]:
        st.caption(f"{unit} stays at 0 on all {block['searched']:,} test digits: it is never excited.")
        return
    title = f"The {len(block['examples'])} test digits (of {block['searched']:,}) that excite {unit} most"
    _digits_ui(block, images, "examples", title)
    if len(block["examples"]) < 9:
        st.caption(f"It is above 0 on only these {len(block['examples'])} of the {block['searched']:,}.")


def _digits_ui(block: dict, images, which: str, title: str) -> None:
    examples = block[which]
    words = ", ".join(f"a {e['digit']} ({e['activation']:.3f})" for e in examples)
    where = "the receptive field outlined in red, " if block["field"] else ""
    st.markdown(f"**{title}**")
    st.image(
        png_bytes(examples_picture(block, images, which)),
        output_format="PNG",
        width="content",
        alt=f"{title}: {words}",
    )
    st.caption(f"Each cropped around what the unit sees, {where}strongest first: {words}.")
