"""Whether a new drawing waits for the lecturer before the projected wall shows it.

    hold = holds_new_drawings(store, passcode_set=True)   # on unless the lecturer turned it off
    set_holding(store, False)                              # from the lecturer's panel

The wall is projected in front of the whole hall, so with a lecturer to approve (a passcode is
set) new drawings are held by default: nothing shows that the lecturer has not let through. The
choice is kept in the database, so every server process holds (or not) alike. Without a passcode
nobody could approve, so nothing is held.
"""

from classwall.store import WallStore

HOLD_SETTING = "hold_new_drawings"


def holds_new_drawings(store: WallStore, passcode_set: bool) -> bool:
    if not passcode_set:
        return False
    chosen = store.setting(HOLD_SETTING)
    return True if chosen is None else chosen == "on"


def set_holding(store: WallStore, on: bool) -> None:
    store.set_setting(HOLD_SETTING, "on" if on else "off")
