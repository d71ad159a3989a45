"""A class-wall drawing as an HTML tile (its PNG inline), shared by the wall and the lecturer's
fine-tune report. The PNG is one the server drew itself when the drawing was sent
(classwall/sending.py), never bytes a visitor supplied, so inlining it is safe.
"""

import base64


def alt_text(drawing) -> str:
    """What the tile's picture shows, for a screen reader (the caption beside it says the verdict)."""
    return f"Drawing #{drawing.id}: a handwritten {drawing.label}, white on black"


def tile(drawing, verdict: str | None = None, link: bool = True) -> str:
    """One drawing as a link that opens it in the main view; framed green when the network read
    what the student meant, red (with both digits) when not. `verdict` overrides the caption.
    `link=False` for a drawing the wall does not show (held for the lecturer): it cannot be opened."""
    picture = base64.b64encode(drawing.picture).decode("ascii")
    right = drawing.read_right or verdict is not None
    verdict = verdict or (f"read {drawing.predicted}" if right else f"meant {drawing.label}, read {drawing.predicted}")
    kind = "right" if right else "wrong"
    opening = (
        f'<a class="wall-tile {kind}" href="?drawing={drawing.id}" target="_self" '
        f'title="#{drawing.id}: open it with all its feature maps">'
        if link
        else f'<div class="wall-tile {kind}" title="#{drawing.id}">'
    )
    return (
        f'{opening}<img src="data:image/png;base64,{picture}" alt="{alt_text(drawing)}"/>'
        f"<span>{verdict}</span>{'</a>' if link else '</div>'}"
    )
