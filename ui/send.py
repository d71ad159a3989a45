"""Under the answer: "Send to the class wall", with the digit the student meant (prefilled with
what the network read; one tap corrects it). When the lecturer holds new drawings
(classwall/moderation.py) the student is told theirs waits for the lecturer; a refused send says
why and when to send again (classwall/sending.py).

The row is drawn by the page (static/js/send_row.js) into a place the drawing's fragment makes
once (`send_place_ui`), from what the stroke's piece carries (`send_row`): its widgets were a
segmented control and a button re-sent with every stroke, about a twentieth of a stroke's server
CPU (bench/RESULTS.md). The page's Send fires the piece's trigger `send`, {key: the drawing it
was pressed for, digit: the one meant, id: the page's number for this press}; `asked_to_send`
keeps it for that run of the stroke's fragment, which answers it before the piece is drawn, so
the outcome reaches the page in the same run, with the press's id.

Session state it owns: `wall_session_id`, `wall_send_asked`, `wall_sent`.
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

# What a page's Send must say: the drawing it was pressed for and the digit meant, as ui/send.py
# reads them (anything else, from an old page or a misbehaving one, is refused with words).
NOT_A_DIGIT = "Tap the digit you meant, then send."
DRAWING_CHANGED = "Your drawing changed before it was sent: check the digit you meant and press Send again."


def wall_session_id() -> str:
    """Random, per browser session, never shown: only so the wall can limit one sender."""
    if "wall_session_id" not in st.session_state:
        st.session_state.wall_session_id = secrets.token_hex(8)
    return st.session_state.wall_session_id


def model_version(loaded: LoadedModel) -> str:
    trained = loaded.card.trained_at if loaded.card else "no card"
    return f"v{loaded.version} {trained}"[:64]


def send_place_ui() -> None:
    """The send row's place (drawn by the page once something is read), and who is sending:
    worked out once, when the page opens to draw (the browser's id is made then, so a page open a
    while is no newcomer at its first send)."""
    st.html('<div class="sr-root" data-part="send" hidden></div>')
    if not st.session_state.get("wall_cookie_written"):
        _client_ui()


def asked_to_send() -> None:
    """The piece's `send` callback: Streamlit runs it before the stroke's fragment, which has the
    drawing; the fragment answers it (`send_row`)."""
    st.session_state.wall_send_asked = st.session_state["live_reading"].get("send")


def drawing_key(reading: Reading) -> str:
    """Names one drawing as the server read it: the page's Send says which drawing it meant."""
    return hashlib.blake2b(reading.image.tobytes(), digest_size=6).hexdigest()


def forget_send_asked() -> None:
    """A Send that reached an empty canvas (cleared as it was pressed): the page's row is gone."""
    st.session_state.pop("wall_send_asked", None)


def send_row(loaded: LoadedModel, reading: Reading) -> dict:
    """What the page's send row is drawn from: {key: this drawing's, digit: the network's reading
    (the row's first choice), sent: {ok, text, id} for this drawing, or None}; a Send asked for at
    this run is answered first (and said in a toast too: seen on a phone without scrolling)."""
    key = drawing_key(reading)
    asked = st.session_state.pop("wall_send_asked", None)
    if asked is not None:
        _answer(loaded, reading, key, asked)
        _, kind, text, _ = st.session_state.wall_sent
        st.toast(text, icon="✅" if kind == "ok" else "⚠️")
    sent = st.session_state.get("wall_sent")
    shown = None
    if sent and sent[0] == key:
        shown = {"ok": sent[1] == "ok", "text": sent[2], "id": sent[3]}
    return {"key": key, "digit": reading.digit, "sent": shown}


def _answer(loaded: LoadedModel, reading: Reading, key: str, asked: object) -> None:
    asked = asked if isinstance(asked, dict) else {}
    press = asked.get("id") if isinstance(asked.get("id"), int) else None
    meant = asked.get("digit")
    if asked.get("key") != key:
        st.session_state.wall_sent = (key, "refused", DRAWING_CHANGED, press)
    elif not isinstance(meant, int) or isinstance(meant, bool) or not 0 <= meant <= 9:
        st.session_state.wall_sent = (key, "refused", NOT_A_DIGIT, press)
    else:
        kind, text = _send(loaded, reading, meant, _client_ui())
        st.session_state.wall_sent = (key, kind, text, press)


def _client_ui() -> Client | None:
    """Who is sending; None while the wall's database cannot be reached (the send then says so)."""
    try:
        return remember_browser_ui(wall_store(), wall_session_id())
    except WallStoreError:
        return None


def _send(loaded: LoadedModel, reading: Reading, meant: int, client: Client | None) -> tuple[str, str]:
    """("ok" or "refused", what the student is told)."""
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
        return "refused", str(refusal)
    except WallStoreError as error:
        return "refused", f"The class wall cannot be reached: {error}"
    refresh_wall()
    verdict = "read right" if meant == reading.digit else f"read as {reading.digit}"
    where = "waits for the lecturer, who lets drawings onto the class wall" if held else "is on the class wall"
    return "ok", f"Sent: your {meant} {where} (#{drawing_id}, {verdict})."
