"""The lecturer's passcode: set by the lecturer (DIGIT_LENS_PASSCODE, or `lecturer_passcode`
in Streamlit's secrets); without one, the lecturer's actions are off for everyone.
"""

import hmac
import os

PASSCODE_VARIABLE = "DIGIT_LENS_PASSCODE"


def configured_passcode(secrets: dict | None = None) -> str | None:
    """The passcode, from the environment first, then the given secrets; None when unset."""
    passcode = os.environ.get(PASSCODE_VARIABLE) or (secrets or {}).get("lecturer_passcode")
    return str(passcode) if passcode else None


def passcode_matches(given: str | None, expected: str | None) -> bool:
    """True only when a passcode is set and `given` is it. Compared in constant time, so the
    time taken tells nothing about how much of a guess was right."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
