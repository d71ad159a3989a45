"""Who sends a drawing, as far as the wall can tell, for the limits that stop one student's
script from taking the class's share (classwall/sending.py).

    token = mint_token(secret, now)                  # written to the browser as a cookie
    browser = read_token(secret, cookie, now)        # None: forged, malformed or expired
    address = client_address(headers, peer)          # the address nginx passed on

A browser session id changes with every reload, so it cannot hold a reloading script back. Two
things outlast a reload:
- the browser's signed cookie: a random id and the time it was issued, signed with HMAC-SHA256
  under a secret only the servers know (kept in the wall's database, so every replica checks
  every other's). A script cannot make one up; it can only throw it away and get a new one, and a
  new one is young: a *newcomer*;
- the client's address. A whole hall can sit behind one NAT address, so it never limits a
  student on its own: only the newcomers from one address share a cap (a fraction of the class's).
"""

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

COOKIE_NAME = "digit_lens_browser"
COOKIE_SECONDS = 12 * 3600  # a day's lectures; a browser then gets a new id
# A page open (or a cookie held) for less than this is a newcomer: what a reloading script always is.
NEWCOMER_SECONDS = 60
_SIGNATURE_HEX = 32  # 128 bits of the HMAC: beyond guessing, and a short cookie


@dataclass(frozen=True)
class BrowserToken:
    browser_id: str  # 16 hex digits
    issued_at: float  # time.time() when the server made it

    def is_newcomer(self, now: float) -> bool:
        return now - self.issued_at < NEWCOMER_SECONDS


@dataclass(frozen=True)
class Client:
    """What a send is counted against: its session, its browser, its address."""

    session_id: str
    browser_id: str
    address: str
    newcomer: bool
    newcomer_until: float = 0.0  # when it stops being one


def _signature(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode("ascii"), hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


def mint_token(secret: bytes, now: float) -> str:
    """A new browser id, issued now: '<id>.<issued>.<signature>'."""
    payload = f"{secrets.token_hex(8)}.{int(now)}"
    return f"{payload}.{_signature(secret, payload)}"


def read_token(secret: bytes, token: str | None, now: float) -> BrowserToken | None:
    """The browser a cookie names, if this server's secret signed it and it is neither expired nor
    from the future; None otherwise (a cookie a visitor wrote is simply not there)."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not all(part.isascii() for part in parts):
        return None
    browser_id, issued, signature = parts
    if len(browser_id) != 16 or not issued.isdigit() or len(issued) > 12:
        return None
    if not hmac.compare_digest(signature.encode("ascii"), _signature(secret, f"{browser_id}.{issued}").encode("ascii")):
        return None
    issued_at = float(issued)
    if not (now - COOKIE_SECONDS <= issued_at <= now + 5):  # a few seconds of clock skew between replicas
        return None
    return BrowserToken(browser_id, issued_at)


def client_address(headers: Mapping[str, str], peer: str | None) -> str:
    """The client's address for the per-address cap.

    `peer` is Streamlit's st.context.ip_address. Streamlit 1.67 serves through uvicorn, which
    puts an X-Forwarded-For entry in its place when the connection comes from a trusted proxy
    (FORWARDED_ALLOW_IPS, by default 127.0.0.1 and ::1: nginx in deploy/local.sh). It reads the
    list from the right and skips trusted entries, so a list the client began could lend it a
    client-written address: that is why deploy/nginx.conf.template replaces X-Forwarded-For and
    X-Real-IP with the address nginx saw ($remote_addr) instead of appending to them. `peer` is
    None when that address is this machine. Only then are the headers read (X-Real-IP, else the
    last X-Forwarded-For entry), for a proxy that passes them without uvicorn having used them. Behind
    an untrusted proxy (another container's address) every student shares the proxy's address:
    the per-address cap is generous for that reason. IPv6 addresses count by their /64, which one
    device can fill with addresses of its own."""
    if peer is None:
        real = headers.get("X-Real-IP") or ""
        forwarded = (headers.get("X-Forwarded-For") or "").split(",")[-1]
        given = real.strip() or forwarded.strip()
    else:
        given = peer
    try:
        address = ipaddress.ip_address(given)
    except ValueError:
        return "local" if not given else "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
