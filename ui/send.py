"""Under the answer: "Send to the class wall", with the digit the student meant (prefilled with
what the network read; one tap corrects it). When the lecturer holds new drawings
(classwall/moderation.py) the student is told theirs waits for the lecturer; a refused send says
why and when to send again (classwall/sending.py).

Session state it owns: `wall_session_id`, `wall_label`, `wall_label_for`, `wall_send`, `wall_sent`.
"""

import hashlib
import secrets

import streamlit as st

from classwall.clients import Client
from classwall.moderation import holds_new_drawings
from classwall.sending import Refused, send, wall_drawing
from classwall.store import WallStoreError
from cnn.net.reading import Reading
from cnn.serving.model_store import LoadedModel
from ui.client_identity import remember_browser_ui
from ui.lecturer import lecturer_passcode
from ui.resources import wall_store
from ui.wall import refresh_wall


def wall_session_id() -> str:
    """Random, per browser session, never shown: only so the wall can limit one sender."""
    if "wall_session_id" not in st.session_state:
        st.session_state.wall_session_id = secrets.token_hex(8)
    return st.session_state.wall_session_id


def model_version(loaded: LoadedModel) -> str:
    trained = loaded.card.trained_at if loaded.card else "no card"
    return f"v{loaded.version} {trained}"[:64]


def send_to_wall_ui(row, loaded: LoadedModel, reading: Reading) -> None:
    """`row`: the page's container keyed "wall_send_row", where the send row goes (made by the
    page in its place under the canvas: one container per stroke, not a second one inside it)."""
    drawing_key = hashlib.blake2b(reading.image.tobytes(), digest_size=6).hexdigest()
    if st.session_state.get("wall_label_for") != drawing_key:
        # Each new drawing starts at what the network read. One widget for all drawings, its
        # value set here: a new widget per drawing (a key of its own, the old one's state
        # dropped each time) made the send row the dearest part of a stroke (bench/RESULTS.md).
        st.session_state.wall_label_for = drawing_key
        st.session_state.wall_label = reading.digit
    with row:
        meant = st.segmented_control("The digit I meant", list(range(10)), key="wall_label")
        pressed = st.button("Send to the class wall", key="wall_send", icon=":material/send:")
        # Who is sending: worked out when the row first shows (the browser's id is made then, so
        # a page open a while is no newcomer) and at a send, not on every stroke in between.
        client = _client_ui() if pressed or not st.session_state.get("wall_cookie_written") else None
    if pressed:
        _send(loaded, reading, meant, drawing_key, client)
        outcome = st.session_state.wall_sent
        st.toast(outcome[2], icon="✅" if outcome[1] == "ok" else "⚠️")  # seen on a phone without scrolling
    sent = st.session_state.get("wall_sent")
    if sent and sent[0] == drawing_key:
        (row.success if sent[1] == "ok" else row.warning)(sent[2])


def _client_ui() -> Client | None:
    """Who is sending (made when the send row first shows, so a page open a while is no newcomer);
    None while the wall's database cannot be reached (the send then says so)."""
    try:
        return remember_browser_ui(wall_store(), wall_session_id())
    except WallStoreError:
        return None


def _send(loaded: LoadedModel, reading: Reading, meant: int | None, drawing_key: str, client: Client | None) -> None:
    if meant is None:
        st.session_state.wall_sent = (drawing_key, "refused", "Tap the digit you meant, then send.")
        return
    drawing = wall_drawing(
        reading.image,
        reading.prepared.ink,
        meant,
        reading.digit,
        reading.confidence,
        model_version(loaded),
        client or wall_session_id(),
    )
    try:
        store = wall_store()
        held = holds_new_drawings(store, passcode_set=lecturer_passcode() is not None)
        drawing_id = send(store, drawing, hold=held, newcomer_until=client.newcomer_until if client else None)
    except Refused as refusal:
        st.session_state.wall_sent = (drawing_key, "refused", str(refusal))
    except WallStoreError as error:
        st.session_state.wall_sent = (drawing_key, "refused", f"The class wall cannot be reached: {error}")
    else:
        refresh_wall()
        verdict = "read right" if meant == reading.digit else f"read as {reading.digit}"
        where = "waits for the lecturer, who lets drawings onto the class wall" if held else "is on the class wall"
        st.session_state.wall_sent = (drawing_key, "ok", f"Sent: your {meant} {where} (#{drawing_id}, {verdict}).")
