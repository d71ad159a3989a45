"""What a student may send to the class wall, and the send itself.

    drawing = wall_drawing(reading.image, prepared.ink, label=7, predicted=7, ..., sender=client)
    drawing_id = send(store, drawing, hold=True)   # raises Refused with a message for the student

Limits, so nothing a student sends can break the wall: a digit must be there, the label is
0-9, the picture is small, and the wall holds at most MAX_DRAWINGS. Rates, each over the last
minute and counted in the database (so they hold across server processes):
- one browser session, and one browser (its signed cookie, classwall/clients.py), MAX_PER_MINUTE;
- the newcomers from one address (pages open less than a minute: a script that reloads to get a
  new session is always one) together MAX_NEWCOMERS_PER_ADDRESS, a third of the class's, so such
  a script leaves the rest to everyone else even from behind the hall's own NAT address;
- everyone together MAX_PER_MINUTE_ALL.
A refused send says which limit, and in how many seconds the student may send again.
"""

import io
import math
import time

import numpy as np
from PIL import Image

from classwall.clients import Client
from classwall.store import HELD, SHOWN, WallDrawing, WallStore
from cnn import IMAGE_SIZE
from cnn.net.preprocess import INK_THRESHOLD

MAX_PER_MINUTE = 3
# A hall of 200 sending at most one a minute each, with room to spare; beyond this, or a wall this
# full, something is flooding it (a reload makes a new session, so the per-session limit alone
# does not hold a script back).
MAX_PER_MINUTE_ALL = 300
# Generous, because a whole hall may reach the server from one address (its NAT) and every student
# is a newcomer for their page's first minute; small enough that the two thirds left are the class's.
MAX_NEWCOMERS_PER_ADDRESS = MAX_PER_MINUTE_ALL // 3
WINDOW_SECONDS = 60
MAX_DRAWINGS = 5000
MAX_PICTURE_BYTES = 30_000
PICTURE_SIZE = 96  # the drawing as drawn, downscaled to this many pixels a side


class Refused(Exception):
    """A send the wall does not take; the message is for the student."""


def picture_png(ink: np.ndarray) -> bytes:
    """The drawing as drawn (ink in [0, 1], any size) as a small greyscale PNG, light on dark."""
    picture = Image.fromarray((np.clip(ink, 0, 1) * 255).astype(np.uint8)).resize(
        (PICTURE_SIZE, PICTURE_SIZE), Image.Resampling.BOX
    )
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def wall_drawing(image, ink, label: int, predicted: int, confidence: float, model_version: str, sender: Client | str):
    """A drawing ready to send: the network's 28x28 input (in [0, 1]) and the picture as drawn.
    `sender` is the client (classwall/clients.py), or only a session id when nothing else is known."""
    client = sender if isinstance(sender, Client) else Client(str(sender), "", "", newcomer=False)
    pixels = (np.clip(np.asarray(image, dtype=np.float32), 0, 1) * 255).round().astype(np.uint8)
    return WallDrawing(
        image=pixels.reshape(IMAGE_SIZE, IMAGE_SIZE),
        picture=picture_png(ink),
        label=int(label),
        predicted=int(predicted),
        confidence=float(confidence),
        model_version=str(model_version),
        session_id=client.session_id,
        browser=client.browser_id,
        address=client.address,
        newcomer=client.newcomer,
    )


def _seconds_until_free(oldest: float | None, now: float) -> int:
    """When the oldest send counted in a window leaves it, and a place is free again."""
    return max(1, math.ceil((oldest or now) + WINDOW_SECONDS - now))


def check(store: WallStore, drawing: WallDrawing, now: float, newcomer_until: float | None = None) -> None:
    """Raise Refused, with the reason in words, for a drawing the wall must not take."""
    if not (np.asarray(drawing.image) > INK_THRESHOLD * 255).any():
        raise Refused("There is no digit to send: draw one first.")
    if not 0 <= drawing.label <= 9 or not 0 <= drawing.predicted <= 9:
        raise Refused("The digit you meant must be 0 to 9.")
    if len(drawing.picture) > MAX_PICTURE_BYTES:
        raise Refused("That drawing is too big to send.")
    if not drawing.session_id:
        raise Refused("This browser session has no id; reload the page.")
    since = now - WINDOW_SECONDS
    own = [("session_id", drawing.session_id)] + ([("browser", drawing.browser)] if drawing.browser else [])
    for column, value in own:
        count, oldest = store.sent_window(since, **{column: value})
        if count >= MAX_PER_MINUTE:
            raise Refused(
                f"You have sent {count} drawings in the last minute, as many as one student may "
                f"({MAX_PER_MINUTE} a minute); you can send again in {_seconds_until_free(oldest, now)} s."
            )
    if drawing.newcomer:
        count, oldest = store.sent_window(since, address=drawing.address, newcomer=True)
        if count >= MAX_NEWCOMERS_PER_ADDRESS:
            wait = _seconds_until_free(oldest, now)
            if newcomer_until is not None:
                wait = min(wait, max(1, math.ceil(newcomer_until - now)))
            raise Refused(
                f"Too many drawings came in the last minute from pages just opened on your network "
                f"(someone may be reloading the page to send more), so a page open less than a minute "
                f"waits its turn. Keep this page open: you can send again in {wait} s."
            )
    count, oldest = store.sent_window(since)
    if count >= MAX_PER_MINUTE_ALL:
        raise Refused(
            f"The class wall has taken {count} drawings in the last minute, as many as it takes from "
            f"the whole class; you can send again in {_seconds_until_free(oldest, now)} s."
        )
    if store.count(status=None) >= MAX_DRAWINGS:
        raise Refused("The class wall is full; ask the lecturer to clear it.")


def send(
    store: WallStore,
    drawing: WallDrawing,
    now: float | None = None,
    hold: bool = False,
    newcomer_until: float | None = None,
) -> int:
    """Check and store one drawing; its id once it is saved. `hold`: it waits for the lecturer's
    approval (classwall/moderation.py) instead of showing on the wall at once."""
    now = time.time() if now is None else now
    check(store, drawing, now, newcomer_until)
    return store.add(WallDrawing(**{**drawing.__dict__, "created_at": now, "status": HELD if hold else SHOWN}))
