"""The lecture view: the whole network reading the drawing on one screen, every unit clickable.

Drawn in the browser (static/js/lecture_view.js), which runs the network itself on every pen
move: the server sends what belongs to the model (display/lecture.py lecture_meta), the
weights' address and its own input and digit, never the maps. Clicking a map or a position sends
the unit back here; the close-up numbers for it are computed in display/closeup.py and sent with
the next run, for the drawing the server read. The test digits that excite the unit most are
found by the page itself (static/js/lecture/unit_digits.js) in files written once per model
version (ui/unit_examples.py published_examples), so they show without a round trip.

A hidden dense unit's panel also has the map of the test digits with the drawing's dot (placed
in the page, moving with the pen: static/js/among/map_view.js) and under it the test digits
nearest the drawing the server read (a search of 10,000 x 64 per run); the answer's output, what the
answer rests on (the occlusion map); any other output, the smallest change to the drawing that
makes the networks read that digit, found when asked (ui/among_class.py has all three for the
detailed view). None of it costs a stroke anything while no such panel is open.

Session state it owns: `lecture_unit` (the chosen unit, or None), `lecture_flip` (the last
smallest change found, for its drawing and digit), `lecture_flip_asked` (when it was asked).
"""

import base64
import weakref

import streamlit as st

from cnn.net.digit_map import DigitMap
from cnn.net.features import DENSE_LAYER
from cnn.net.reading import Reading
from cnn.serving.model_store import LoadedModel
from display.closeup import reading_closeup, strongest_point
from display.digit_map import SHEET_LAYOUT
from display.lecture import lecture_meta
from ui.among_class import (
    NEIGHBOURS,
    NETWORK_NAMES,
    drawing_key,
    find_flips,
    flip_summary,
    occlusion_summary,
    published_map,
    test_digit_sheets,
)
from ui.components import RED_BLUE, VIRIDIS, own_component
from ui.live_reading import page_network
from ui.resources import mlp_path, mlp_store
from ui.unit_examples import published_examples, start_finding_examples, unit_examples

_LECTURE_KEY = "lecture"
_lecture = own_component("lecture_view", html='<div class="lv-root"></div>')


def _remember_unit() -> None:
    st.session_state.lecture_unit = st.session_state[_LECTURE_KEY].get("unit")


def chosen_unit(reading: Reading, loaded: LoadedModel) -> dict | None:
    """The unit the person clicked, checked against this model (a retrain may change shapes);
    a unit without a position gets the strongest one of its map. A unit of a Dense layer (the
    hidden one or the ten outputs) has no position: row and column None."""
    unit = st.session_state.get("lecture_unit")
    if not unit:
        return None
    dense = {layer.name: layer.shape[-1] for layer in loaded.layers if layer.kind == "Dense"}
    if unit.get("layer") in dense:
        channel = int(unit.get("channel", -1))
        return (
            {"layer": unit["layer"], "channel": channel, "row": None, "column": None}
            if 0 <= channel < dense[unit["layer"]]
            else None
        )
    if unit.get("layer") not in reading.maps:
        return None
    maps = reading.maps[unit["layer"]]
    if not 0 <= int(unit.get("channel", -1)) < maps.shape[2]:
        return None
    row, column = unit.get("row"), unit.get("column")
    if row is None or not (0 <= row < maps.shape[0] and 0 <= column < maps.shape[1]):
        row, column = strongest_point(maps[..., int(unit["channel"])])
    return {"layer": unit["layer"], "channel": int(unit["channel"]), "row": int(row), "column": int(column)}


def lecture_view_ui(loaded: LoadedModel, reading: Reading | None, readout: str | None = None) -> None:
    """`reading`: the server's reading of the drawing (None: nothing drawn, as far as it knows).
    readout: the readout under the canvas as markup (display/answer.py), drawn by the page."""
    payload = _model_part(loaded) | page_network(loaded, reading, True) | {"readout": readout}
    start_finding_examples(loaded)  # in the background, once per model: ready when a unit is opened
    digits = _unit_digits(loaded)
    if digits is not None:  # on every run: a click finds its unit's test digits in the page itself
        payload["unitDigits"] = digits
    if reading is not None:
        payload["digit"] = reading.digit  # the server's answer, for whoever reads the message
        unit = chosen_unit(reading, loaded)
        if unit is not None and unit["row"] is None:  # a dense unit or an output: its test digits alone
            payload["selected"] = unit
            if digits is None:  # why there are none yet (being found, or no MNIST here)
                payload["examples"] = unit_examples(loaded, unit["layer"], unit["channel"])
            payload |= _dense_panel(loaded, reading, unit)
        elif unit is not None:
            payload["selected"] = unit
            payload["closeup"] = reading_closeup(
                loaded, reading, unit["layer"], unit["channel"], unit["row"], unit["column"]
            )
            if digits is None:
                payload["examples"] = unit_examples(loaded, unit["layer"], unit["channel"])
    _lecture(data=payload, key=_LECTURE_KEY, default={"unit": None}, on_unit_change=_remember_unit)


def _unit_digits(loaded: LoadedModel) -> dict | None:
    """Where the page finds every unit's test digits: {folder, searched} of the example files
    (ui/unit_examples.py) and {folder, layout} of the test digits' sheets; None until both exist."""
    examples = published_examples(loaded)
    if examples is None:
        return None
    kept = _sources.get(loaded.network)
    if kept is None or kept[0] is not examples:
        sheets = test_digit_sheets()
        if sheets is None:
            return None
        kept = _sources[loaded.network] = (examples, examples | {"sheets": sheets})
    return kept[1]


_sources: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # network -> (examples, _unit_digits' dict)


def _dense_panel(loaded: LoadedModel, reading: Reading, unit: dict) -> dict:
    """What a Dense unit's panel shows beyond its test digits: for the hidden layer, the map and
    the drawing's nearest test digits; for the answer's output, the occlusion map; for another
    output, the smallest change."""
    if unit["layer"] == DENSE_LAYER:
        published = published_map(loaded)
        if published is None:
            return {"map": {"building": True, "message": "Laying out the 10,000 test digits (once per model)…"}}
        if isinstance(published, str):
            return {"map": {"message": published}}
        digit_map = published[0]
        alt = "The 10,000 test digits as points coloured by digit; the big dot is your drawing"
        return {"map": published[2] | {"alt": alt, "nearest": _nearest(digit_map, reading), "sheet": SHEET_LAYOUT}}
    if unit["channel"] == reading.digit:
        summary = occlusion_summary(loaded, reading)
        return {"occlusion": _with_picture(summary)}
    return {"flip": _flip_part(loaded, reading, unit["channel"])}


def _nearest(digit_map: DigitMap, reading: Reading) -> list[dict]:
    """The test digits nearest the server's reading in the hidden layer's 64 numbers (the detailed
    view's list, ui/among_class.py map_ui), nearest first: [{index, digit (its label)}]. Inside the
    map's part: the page's panel is drawn from the map the server sent, for the drawing it read."""
    if reading.dense is None:
        return []
    nearest = digit_map.nearest(reading.dense, NEIGHBOURS)
    return [{"index": int(i), "digit": int(digit_map.labels[i])} for i in nearest]


def _flip_part(loaded: LoadedModel, reading: Reading, target: int) -> dict:
    """{target, results: each network's flip_summary, once asked for this drawing}. Found only
    when the panel's button asks (the time it was pressed, once), then kept for the drawing."""
    dense = mlp_store(mlp_path()).current()
    asked = (st.session_state.get("lecture_unit") or {}).get("flip")
    kept = st.session_state.get("lecture_flip")
    if asked and asked != st.session_state.get("lecture_flip_asked"):
        st.session_state.lecture_flip_asked = asked
        kept = st.session_state.lecture_flip = find_flips(loaded, reading, dense, target)
    if not kept or kept["drawing"] != drawing_key(reading, loaded, dense) or kept["target"] != target:
        return {"target": target}
    results = tuple(
        _with_picture(flip_summary(name, flip)) if flip else {"verdict": f"{name} is not loaded here."}
        for name, flip in zip(NETWORK_NAMES, kept["flips"], strict=True)
    )
    return {"target": target, "results": results}


def _with_picture(summary: dict) -> dict:
    """A summary's PNG as a data address: a few KB, sent only while its panel is open."""
    picture = "data:image/png;base64," + base64.b64encode(summary["png"]).decode("ascii")
    return {k: v for k, v in summary.items() if k != "png"} | {"picture": picture}


_made: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # network -> _model_part's dict


def _model_part(loaded: LoadedModel) -> dict:
    """What belongs to the model (lecture_meta) and the palettes: the same for every drawing of one
    model version, so made once, not on every stroke. The layers as a tuple: the same JSON, and
    Streamlit's search of each top-level value for a dataframe returns at once for a tuple."""
    if loaded.network not in _made:
        meta = lecture_meta(loaded.layers, loaded.extractor.layer_names)
        _made[loaded.network] = meta | {"layers": tuple(meta["layers"]), "palette": VIRIDIS, "diverging": RED_BLUE}
    return _made[loaded.network]
