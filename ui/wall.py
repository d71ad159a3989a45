"""The class wall (?view=wall), for the lecturer's projector: how to join (QR code and URL), the
class's accuracy against MNIST's, its confusion matrix, and the newest drawings with what the
network read (wrong ones marked; click one to open it in the main view). Refreshes itself.
Only drawings the lecturer let through are read (the store's default status, SHOWN): a held or
hidden one is on no wall, in no number and cannot be opened by its link. Lecturer actions
(ui/lecturer.py) sit behind the passcode; a drawing opened from the wall (?drawing=ID) becomes the
main view's input.

Session state it owns: nothing; the query parameters `view` and `drawing` say what is shown.
"""

import io
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import segno
import streamlit as st

from classwall.dataset import accuracy, confusion
from classwall.store import WallStoreError, database_url
from cnn.serving.model_store import LoadedModel, ModelStore
from ui.resources import wall_store
from ui.wall_tiles import tile

REFRESH_SECONDS = 3
NEWEST = 18  # drawings on the wall: three rows of six at 1280x720
PUBLIC_URL_VARIABLE = "DIGIT_LENS_PUBLIC_URL"


def join_url() -> str:
    """The address students type: DIGIT_LENS_PUBLIC_URL, else the one this page was opened at."""
    given = os.environ.get(PUBLIC_URL_VARIABLE)
    if given:
        return given
    url = (getattr(st.context, "url", None) or "http://localhost:8501").split("?")[0]
    return url.rstrip("/") + "/"


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def join_ui() -> None:
    url = join_url()
    st.image(qr_png(url), width=210, alt=f"QR code that opens {url}, the address to join")
    st.markdown(f"**Join:** `{url}`")
    st.caption(
        "Draw, then press *Send to the class wall*. "
        f"Set {PUBLIC_URL_VARIABLE} if students reach the server at another address."
    )


@dataclass(frozen=True)
class WallContents:
    count: int
    wrong: int
    class_accuracy: float | None
    confusion: str  # HTML table; "" when the wall is empty
    grid: str  # HTML tiles of the newest drawings; "" when the wall is empty


def wall_contents(url: str) -> WallContents:
    """What the wall shows now. The store's generation is read first, every time (one cheap
    read): a drawing hidden, approved or deleted in any process changes it, so the cache below is
    passed over at this wall's very next refresh rather than up to its TTL later."""
    return _wall_contents_at(url, wall_store().generation())


@st.cache_data(ttl=REFRESH_SECONDS - 1, max_entries=4, show_spinner=False)
def _wall_contents_at(url: str, generation: str) -> WallContents:
    """What the wall shows, read and drawn once per refresh for every open wall of this process
    (forty students opening the wall must not mean forty table scans every 3 s). `generation` is
    only the cache's key: a new one is a new entry. A new send waits for the TTL (at most 2 s)."""
    store = wall_store()
    labels, reads = store.labels_and_reads()
    newest = store.recent(NEWEST)
    return WallContents(
        count=len(labels),
        wrong=int((labels != reads).sum()),
        class_accuracy=accuracy(labels, reads),
        confusion=confusion_html(confusion(labels, reads)) if len(labels) else "",
        grid=f'<div class="wall-grid">{"".join(tile(d) for d in newest)}</div>' if newest else "",
    )


def stats_ui(contents: WallContents, loaded: LoadedModel | None) -> None:
    left, right = st.columns(2)
    left.metric(
        "The class's digits",
        "-" if contents.class_accuracy is None else f"{contents.class_accuracy:.0%}",
        help="Read right when sent, of all sent",
    )
    right.metric(
        "MNIST test",
        f"{loaded.card.test_accuracy:.1%}" if loaded and loaded.card else "-",
        help="The model in use now, on MNIST's test set",
    )
    st.caption(f"{contents.count} drawings, {contents.wrong} read wrong.")
    if contents.confusion:
        st.html(contents.confusion)


def confusion_html(matrix: np.ndarray) -> str:
    """The class's confusion matrix as a compact heatmap table (all of it fits beside the wall;
    a dataframe widget that size scrolls). Log scale, so single mistakes show beside the
    diagonal's dozens."""
    table = pd.DataFrame(
        matrix,
        index=pd.Index(range(10), name="meant ↓ read →"),
        columns=pd.Index(range(10)),
    )
    styled = table.style.background_gradient(cmap="Reds", gmap=np.log1p(matrix), axis=None)
    return styled.set_table_attributes('class="wall-confusion"').to_html()


@st.fragment(run_every=REFRESH_SECONDS)
def live_wall_ui(models: ModelStore) -> None:
    try:
        contents = wall_contents(database_url())
    except WallStoreError as error:
        st.error(f"The class wall's database cannot be read: {error}")
        return
    stats_column, drawings_column = st.columns([1.15, 2], gap="medium")
    with stats_column:
        stats_ui(contents, models.current())  # the model in use now, after any retrain elsewhere
    with drawings_column:
        if contents.grid:
            st.html(contents.grid)
        else:
            st.info("No drawings yet. Students: draw a digit and press *Send to the class wall*.")


def wall_page_ui(models: ModelStore) -> None:
    join_column, wall_column = st.columns([1, 4.2], gap="medium")
    with join_column:
        st.container(key="wall_title").markdown("### Class wall")  # lecture.css: clear of the sidebar button
        join_ui()
    with wall_column:
        live_wall_ui(models)


def refresh_wall() -> None:
    """After a send, delete or clear in this process: the next look at the wall reads it anew.
    (Other processes' walls see a hide, approve, delete or clear at their next refresh, through
    the store's generation; a send within REFRESH_SECONDS.)"""
    _wall_contents_at.clear()


def close_wall_drawing() -> None:
    st.query_params.pop("drawing", None)


def wall_drawing_input_ui(drawing_id: str):
    """The input when a drawing was opened from the wall (?drawing=ID): its 28x28 as read then."""
    from cnn.net.preprocess import as_model_input

    st.button("Back to drawing my own", on_click=close_wall_drawing, key="close_wall_drawing", type="primary")
    if not (drawing_id.isdigit() and len(drawing_id) <= 12):
        st.warning(f"{drawing_id[:20]!r} is not the number of a drawing on the class wall.")
        return None
    try:
        drawing = wall_store().get(int(drawing_id))
    except WallStoreError as error:
        st.warning(f"That drawing cannot be opened: {error}")
        return None
    if drawing is None:
        st.warning(f"Drawing #{drawing_id} is not on the class wall (any more).")
        return None
    st.image(
        drawing.picture,
        width=140,
        caption=f"Class wall #{drawing.id}, as drawn",
        alt=f"The drawing sent to the class wall as #{drawing.id}: a {drawing.label}, white on black",
    )
    st.markdown(f"Meant **{drawing.label}**; read as **{drawing.predicted}** when it was sent.")
    return as_model_input(drawing.image.astype(np.float32) / 255.0)
