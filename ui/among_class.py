"""The chapter "Among 10,000 digits": where the drawing lands among the test digits the network
has seen (the map and its nearest test digits), which parts of it the answer rests on (the
occlusion map), and the smallest change that would make each network read another digit.

Per stroke it costs a lookup of the map (found once per model version in the background,
cnn/serving/digit_maps.py), one (64,) x (64, 2) product to place the dot, a search of the 10,000
test digits' activations for the nearest, and the occlusion batch (bench/among_class.py measures
the whole chapter per rerun). The map's picture is a file served once per model version; the dot
is markup over it. The flip search runs only when asked, and is kept for that drawing and target.

Session state it owns: `among_target`, `among_flip`.
"""

import hashlib
import json
import os

import numpy as np
import streamlit as st

from cnn.files.mnist import ENV_VAR
from cnn.net.digit_map import DigitMap
from cnn.net.features import DENSE_LAYER
from cnn.net.flip import Flip, smallest_flip
from cnn.net.occlusion import PATCH, occlusion_map
from cnn.net.reading import Reading
from cnn.serving.digit_maps import DigitMapShelf, published_file, published_picture, published_sheets
from cnn.serving.model_store import LoadedModel
from display.digit_map import (
    SHEET,
    SHEET_LAYOUT,
    SIZE,
    MapFrame,
    digit_sheet,
    flip_picture,
    legend_markup,
    map_file,
    map_picture,
    neighbours_markup,
    occlusion_picture,
)
from display.render import png_bytes
from ui.components import STATIC, VIRIDIS, own_component
from ui.live_reading import page_network
from ui.resources import model_path
from ui.unit_examples import unit_example_shelf

NEIGHBOURS = 8
MAPS_FOLDER = STATIC / "maps"  # served at app/static/maps/ (server.enableStaticServing)
_map_piece = own_component("digit_map", html='<div class="dm-root"></div>')
_editor_piece = own_component("input_editor", html='<div class="ie-root"></div>')
_NAMES = {"lda": "linear discriminant analysis (LDA)", "pca": "principal component analysis (PCA)"}


def digit_map_shelf() -> DigitMapShelf:
    """One per server process, sharing the unit examples' test digits (one copy in memory)."""
    return _map_shelf(os.environ.get(ENV_VAR), unit_example_shelf())


@st.cache_resource
def _map_shelf(mnist_npz: str | None, _examples_shelf) -> DigitMapShelf:
    # Keyed by MNIST_NPZ like the examples' shelf: a process whose MNIST_NPZ changes (the tests) reads the new set.
    return DigitMapShelf(_examples_shelf.test_set)


@st.cache_resource(max_entries=4, show_spinner=False)
def _published(key: str, _digit_map: DigitMap) -> tuple[str, MapFrame]:
    """The map's picture file (drawn once per model version, shared by every session) and its frame."""
    frame = MapFrame.around(_digit_map.points)
    draw = lambda: png_bytes(map_picture(_digit_map.points, _digit_map.labels, frame))  # noqa: E731
    return published_picture(MAPS_FOLDER, "digit-map", key, draw), frame


@st.cache_resource(max_entries=4, show_spinner=False)
def _published_numbers(key: str, _digit_map: DigitMap, _frame: MapFrame) -> str:
    """The map's numbers for the page (its projection and every point), a file per model version."""
    make = lambda: json.dumps(map_file(_digit_map, _frame), separators=(",", ":")).encode()  # noqa: E731
    return published_file(MAPS_FOLDER, "digit-map", key, ".json", make)


@st.cache_resource(max_entries=2, show_spinner=False)
def _published_sheets(digest: str, _test_set) -> str:
    """The test digits as pictures of 100, for the map's hover: once per test set (~0.3 s),
    keyed by its digest (another MNIST_NPZ, another set of pictures)."""
    images = _test_set.images
    draw = lambda i: png_bytes(digit_sheet(images, i))  # noqa: E731
    return published_sheets(MAPS_FOLDER, digest[:16], -(-len(images) // SHEET), draw)


def test_digit_sheets() -> dict | None:
    """{folder: the sheets' address, layout: {digits, columns} per sheet}, or None without MNIST:
    what the page cuts a test digit from (the map's hover, the lecture view's unit digits)."""
    test_set = digit_map_shelf().test_set
    if isinstance(test_set, str):
        return None
    name = _published_sheets(test_set.digest, test_set)
    return {"folder": f"app/static/maps/{name}", "layout": SHEET_LAYOUT}


def among_class_ui(loaded: LoadedModel, reading: Reading, dense: LoadedModel | None, follows_pen: bool) -> None:
    """follows_pen: the input is the canvas, which the page reads itself: the dot moves with the pen."""
    st.subheader("Your digit among 10,000")
    map_column, occlusion_column = st.columns([1.4, 1], gap="medium")
    with map_column:
        map_ui(loaded, reading, follows_pen)
    with occlusion_column:
        occlusion_ui(loaded, reading)
    input_editor_ui(loaded, reading)
    flip_ui(loaded, reading, dense)


def published_map(loaded: LoadedModel) -> tuple[DigitMap, MapFrame, dict] | str | None:
    """This model version's map as the page loads it: (the map, its frame, {picture, map, sheets,
    size}: the published files' addresses); or what to say instead; None while it is made."""
    shelf = digit_map_shelf()
    state = shelf.examples(loaded.network, model_path())
    if state.examples is None:
        return None if state.building else state.message
    digit_map, key = state.examples, shelf.key(loaded.network)
    name, frame = _published(key, digit_map)
    numbers = _published_numbers(key, digit_map, frame)
    sheets = _published_sheets(shelf.test_set.digest, shelf.test_set)
    source = {
        "picture": f"app/static/maps/{name}",
        "map": f"app/static/maps/{numbers}",
        "sheets": f"app/static/maps/{sheets}",
        "size": SIZE,
    }
    return digit_map, frame, source


def map_ui(loaded: LoadedModel, reading: Reading, follows_pen: bool = False) -> None:
    published = published_map(loaded)
    if published is None:
        _map_coming_ui(loaded)
        return
    if isinstance(published, str):
        st.info(published)
        return
    if reading.dense is None:
        st.info("This network has no hidden Dense layer to place the drawing by.")
        return
    digit_map, frame, source = published
    pixel = frame.pixel(digit_map.place(reading.dense))
    nearest = digit_map.nearest(reading.dense, NEIGHBOURS)
    labels = digit_map.labels[nearest]
    most = int(np.bincount(labels, minlength=10).argmax())
    alt = (
        f"The {len(digit_map.labels):,} test digits as coloured points, each digit's points mostly "
        f"together; your drawing is the large dot, among the {most}s"
    )
    st.markdown(
        f"Each point is one of the {len(digit_map.labels):,} MNIST test digits, placed by the 64 "
        f"numbers the network's last hidden layer makes of it, squeezed to two by "
        f"{_NAMES[digit_map.projection]}. The big dot is your drawing."
    )
    _map_piece(
        data=source
        | {
            "alt": alt,
            "layer": DENSE_LAYER,
            "server": {"x": round(float(pixel[0]), 2), "y": round(float(pixel[1]), 2), "digit": reading.digit},
        }
        | page_network(loaded, None if follows_pen else reading, follows_pen),
        key="digit_map",
    )
    st.markdown(legend_markup(), unsafe_allow_html=True)
    st.caption(
        f"On this map a test digit's nearest neighbour has its own label {digit_map.accuracy:.1%} of the time "
        f"(in all 64 numbers much more often): two numbers keep most, not all, of what separates the digits."
    )
    same = int((labels == reading.digit).sum())
    st.markdown(
        f"**Its {NEIGHBOURS} nearest test digits** (in all 64 numbers): {same} of them are {reading.digit}s, "
        f"what the network reads."
    )
    images = digit_map_shelf().test_set.images
    st.markdown(neighbours_markup(images, digit_map.labels, nearest), unsafe_allow_html=True)


@st.fragment(run_every=1.0)
def _map_coming_ui(loaded: LoadedModel) -> None:
    """While the map is made in the background (once per model version): looks again every second
    and, once it is there, reruns the page to show it, so nobody has to draw again to see it."""
    state = digit_map_shelf().examples(loaded.network, model_path())
    if state.examples is not None:
        st.rerun()
    st.info(state.message)


def occlusion_summary(loaded: LoadedModel, reading: Reading) -> dict:
    """What the answer rests on, for this drawing: {title, png (the input with its heat map),
    alt, caption}; shown here and on the lecture view's panel for the answer's output."""
    drops = occlusion_map(loaded.network, reading.image, reading.digit)
    largest = float(drops.max())
    row, column = np.unravel_index(int(drops.argmax()), drops.shape)
    if largest < 1e-3:
        words = f"greying out any one {PATCH}x{PATCH} patch leaves p({reading.digit}) as it is"
    else:
        words = (
            f"the largest fall, {largest:.3f}, comes from the patch at row {row * PATCH}-{row * PATCH + PATCH - 1}, "
            f"column {column * PATCH}-{column * PATCH + PATCH - 1}"
        )
    return {
        "title": f"What the {reading.digit} rests on",
        "png": png_bytes(occlusion_picture(reading.image, drops)),
        "alt": f"Your input with a {drops.shape[0]}x{drops.shape[1]} heat map over it: bright where greying "
        f"out a patch lowers p({reading.digit}) most",
        "caption": f"Each {PATCH}x{PATCH} patch greyed out (set to background) in turn: the brighter, the more "
        f"the probability of {reading.digit} ({reading.confidence:.3f}) falls; {words}. A blank patch changes "
        "nothing.",
    }


def occlusion_ui(loaded: LoadedModel, reading: Reading) -> None:
    summary = occlusion_summary(loaded, reading)
    st.markdown(f"**{summary['title']}**")
    st.image(summary["png"], output_format="PNG", width="content", alt=summary["alt"])
    st.caption(summary["caption"])


def input_editor_ui(loaded: LoadedModel, reading: Reading) -> None:
    """The network's input, editable pixel by pixel in the page (static/js/input_editor.js runs
    the network on every edit): the data is the server's input and what belongs to the model, so
    an edit costs the server nothing."""
    st.markdown("**Change the input, pixel by pixel**")
    st.caption(
        "Paint or erase single pixels of the 28x28 image the network receives (drag with the mouse or a "
        "finger; or Tab to it, move with the arrow keys and press Space) and watch the answer, every "
        "convolution layer's maps and the 64 hidden units change at once. Your drawing stays as it is."
    )
    layers = tuple({"name": layer.name, "shape": (*layer.shape,)} for layer in loaded.layers if layer.kind == "Conv2D")
    data = {"layers": layers, "dense": DENSE_LAYER, "palette": VIRIDIS}
    _editor_piece(data=data | page_network(loaded, reading, False), key="input_editor")


NETWORK_NAMES = ("The convnet", "The dense net")


def find_flips(loaded: LoadedModel, reading: Reading, dense: LoadedModel | None, target: int) -> dict:
    """Both networks' smallest change of this drawing to `target` (None for a network not
    loaded), kept with the drawing's key so it is shown only for this drawing."""
    flips = [smallest_flip(m.network, reading.image, target) if m else None for m in (loaded, dense)]
    return {"drawing": drawing_key(reading, loaded, dense), "target": target, "flips": flips}


def drawing_key(reading: Reading, *models: LoadedModel | None) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(reading.image, np.float32).tobytes())
    digest.update(repr([(m.network.name, m.version) if m else None for m in models]).encode())
    return digest.hexdigest()[:16]


def flip_ui(loaded: LoadedModel, reading: Reading, dense: LoadedModel | None) -> None:
    st.markdown("**The smallest change that flips it**")
    if st.session_state.get("among_target", reading.digit) == reading.digit:  # the runner-up digit first
        st.session_state.among_target = int(np.argsort(reading.probabilities)[-2])
    target = st.selectbox(
        "Make the networks read",
        range(10),  # the same options every stroke: a changed list would reset the choice
        key="among_target",
        format_func=lambda d: f"{d} (what the convnet reads now)" if d == reading.digit else str(d),
        help="A few steps up the gradient of this digit's probability, pixel by pixel, until each network "
        "reads it; then the change is shrunk to the least that still does.",
    )
    if target == reading.digit:
        st.caption(f"The convnet reads a {target} already: choose another digit.")
        return
    drawing = drawing_key(reading, loaded, dense)
    asked = st.button(f"Find the smallest change to a {target}", key="among_flip_button")
    kept = st.session_state.get("among_flip")
    if asked:
        kept = st.session_state.among_flip = find_flips(loaded, reading, dense, target)
    if not kept or kept["drawing"] != drawing or kept["target"] != target:
        st.caption("Runs only when asked (a few tens of milliseconds per network), for this drawing.")
        return
    columns = st.columns(2, gap="medium")
    for column, name, flip in zip(columns, NETWORK_NAMES, kept["flips"], strict=True):
        with column:
            _flip_result_ui(name, flip)


def flip_summary(name: str, flip: Flip) -> dict:
    """One network's smallest change, in words and a picture: {verdict, png (before, change,
    after), alt, caption}; shown here and on the lecture view's panel for an output."""
    verdict = (
        f"reads a {flip.target} (p = {flip.probabilities[flip.target]:.2f})"
        if flip.flipped
        else f"still reads a {flip.read_as} after {flip.steps} steps: it would not give way"
    )
    return {
        "verdict": f"{name} {verdict}",
        "png": png_bytes(flip_picture(flip.original, flip.image)),
        "alt": f"{name}: your input, the change (red: ink added, blue: ink taken away), and the changed input",
        "caption": f"Before · change (red: ink added, blue: taken away, strongest at {flip.largest:.2f}) · after. "
        f"Size of the change: L2 {flip.l2:.2f} (your input's own: {float(np.linalg.norm(flip.original)):.2f}), "
        f"largest on one pixel {flip.largest:.2f} of 1; {flip.steps} gradient steps.",
        "size": f"Change: L2 {flip.l2:.2f} (the input's own {float(np.linalg.norm(flip.original)):.2f}), "
        f"at most {flip.largest:.2f} on a pixel, {flip.steps} steps",
    }


def _flip_result_ui(name: str, flip: Flip | None) -> None:
    if flip is None:
        st.caption(f"{name} is not loaded here.")
        return
    summary = flip_summary(name, flip)
    st.markdown(summary["verdict"])
    st.image(summary["png"], output_format="PNG", width="content", alt=summary["alt"])
    st.caption(summary["caption"])
