"""Under the answer: "Send to the class wall", with the digit the student meant (prefilled with
what the network read; one tap corrects it).

Session state it owns: `wall_session_id`, `wall_label_*`, `wall_send`, `wall_sent`.
"""

import hashlib
import secrets

import streamlit as st

from classwall.sending import Refused, send, wall_drawing
from classwall.store import WallStoreError
from cnn.net.reading import Reading
from cnn.serving.model_store import LoadedModel
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


def send_to_wall_ui(loaded: LoadedModel, reading: Reading) -> None:
    drawing_key = hashlib.blake2b(reading.image.tobytes(), digest_size=6).hexdigest()
    with st.container(key="wall_send_row"):
        # A new widget per drawing, so each starts at what the network read.
        meant = st.segmented_control(
            "The digit I meant", list(range(10)), default=reading.digit, key=f"wall_label_{drawing_key}"
        )
        pressed = st.button("Send to the class wall", key="wall_send", icon=":material/send:")
    if pressed:
        _send(loaded, reading, meant, drawing_key)
        outcome = st.session_state.wall_sent
        st.toast(outcome[2], icon="✅" if outcome[1] == "ok" else "⚠️")  # seen on a phone without scrolling
    sent = st.session_state.get("wall_sent")
    if sent and sent[0] == drawing_key:
        (st.success if sent[1] == "ok" else st.warning)(sent[2])


def _send(loaded: LoadedModel, reading: Reading, meant: int | None, drawing_key: str) -> None:
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
        wall_session_id(),
    )
    try:
        drawing_id = send(wall_store(), drawing)
    except Refused as refusal:
        st.session_state.wall_sent = (drawing_key, "refused", str(refusal))
    except WallStoreError as error:
        st.session_state.wall_sent = (drawing_key, "refused", f"The class wall cannot be reached: {error}")
    else:
        refresh_wall()
        verdict = "read right" if meant == reading.digit else f"read as {reading.digit}"
        st.session_state.wall_sent = (
            drawing_key,
            "ok",
            f"Sent: your {meant} is on the class wall (#{drawing_id}, {verdict}).",
        )
