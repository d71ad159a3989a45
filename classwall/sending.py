"""What a student may send to the class wall, and the send itself.

    drawing = wall_drawing(reading.image, prepared.ink, label=7, predicted=7, ...)
    drawing_id = send(store, drawing)      # raises Refused with a message for the student

Limits, so nothing a student sends can break the wall: a digit must be there, the label is
0-9, the picture is small, one browser session sends at most MAX_PER_MINUTE a minute, everyone
together MAX_PER_MINUTE_ALL, and the wall holds at most MAX_DRAWINGS (all counted in the
database, so they hold across server processes).
"""

import io
import time

import numpy as np
from PIL import Image

from classwall.store import WallDrawing, WallStore
from cnn import IMAGE_SIZE
from cnn.net.preprocess import INK_THRESHOLD

MAX_PER_MINUTE = 3
# A hall of 200 sending at most one a minute each, with room to spare; beyond this, or a wall this
# full, something is flooding it (a reload makes a new session, so the per-session limit alone
# does not hold a script back).
MAX_PER_MINUTE_ALL = 300
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


def wall_drawing(image, ink, label: int, predicted: int, confidence: float, model_version: str, session_id: str):
    """A drawing ready to send: the network's 28x28 input (in [0, 1]) and the picture as drawn."""
    pixels = (np.clip(np.asarray(image, dtype=np.float32), 0, 1) * 255).round().astype(np.uint8)
    return WallDrawing(
        image=pixels.reshape(IMAGE_SIZE, IMAGE_SIZE),
        picture=picture_png(ink),
        label=int(label),
        predicted=int(predicted),
        confidence=float(confidence),
        model_version=str(model_version),
        session_id=session_id,
    )


def check(store: WallStore, drawing: WallDrawing, now: float) -> None:
    """Raise Refused, with the reason in words, for a drawing the wall must not take."""
    if not (np.asarray(drawing.image) > INK_THRESHOLD * 255).any():
        raise Refused("There is no digit to send: draw one first.")
    if not 0 <= drawing.label <= 9 or not 0 <= drawing.predicted <= 9:
        raise Refused("The digit you meant must be 0 to 9.")
    if len(drawing.picture) > MAX_PICTURE_BYTES:
        raise Refused("That drawing is too big to send.")
    if not drawing.session_id:
        raise Refused("This browser session has no id; reload the page.")
    if store.sent_since(now - 60, drawing.session_id) >= MAX_PER_MINUTE:
        raise Refused(f"You can send {MAX_PER_MINUTE} drawings a minute; wait a little and send again.")
    if store.sent_since(now - 60) >= MAX_PER_MINUTE_ALL:
        raise Refused("The class wall is taking too many drawings right now; send again in a minute.")
    if store.count() >= MAX_DRAWINGS:
        raise Refused("The class wall is full; ask the lecturer to clear it.")


def send(store: WallStore, drawing: WallDrawing, now: float | None = None) -> int:
    """Check and store one drawing; its id once it is saved."""
    now = time.time() if now is None else now
    check(store, drawing, now)
    return store.add(WallDrawing(**{**drawing.__dict__, "created_at": now}))
