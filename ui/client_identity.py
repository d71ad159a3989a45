"""Who this browser is, for the class wall's per-client limits (classwall/clients.py).

    client = wall_client(store, session_id)   # its browser, address and whether it is a newcomer

The browser's id comes from its signed cookie, which Streamlit shows the server as
st.context.cookies: the cookies of the websocket's opening request. A browser without a valid one
gets a new id the first time this session shows the send row, and one line of JavaScript writes
it into a cookie (Streamlit has no call that sets a cookie; st.html runs a script in the page
itself, on the page's own address, when allowed to). The next page load, a reload or a new tab,
then brings it back in the handshake. The id is made on the first showing, not at the first send,
so a student whose page has been open a while is no newcomer when they send.

The address is the one nginx passed on: st.context.ip_address, which uvicorn takes from
X-Forwarded-For when the connection comes from this machine, else st.context.headers (see
classwall.clients.client_address).

Session state it owns: `wall_browser_token`, `wall_cookie_written`.
"""

import time
from collections.abc import Mapping

import streamlit as st

from classwall.clients import (
    COOKIE_NAME,
    COOKIE_SECONDS,
    NEWCOMER_SECONDS,
    Client,
    client_address,
    mint_token,
    read_token,
)
from classwall.store import WallStore


def connection_details() -> tuple[Mapping[str, str], Mapping[str, str], str | None]:
    """(headers, cookies, peer address) of this session's websocket handshake. AppTest cannot give
    these (they come from a real client), so the page tests replace this function."""
    return st.context.headers, st.context.cookies, st.context.ip_address


def _browser_token(secret: bytes, cookies: Mapping[str, str], now: float) -> str:
    """This session's token: kept from earlier in the session, else the browser's cookie, else new."""
    for token in (st.session_state.get("wall_browser_token"), cookies.get(COOKIE_NAME)):
        if token and read_token(secret, token, now):
            if token == cookies.get(COOKIE_NAME):
                st.session_state.wall_cookie_written = True  # the browser has it already
            st.session_state.wall_browser_token = token
            return token
    st.session_state.wall_browser_token = mint_token(secret, now)
    return st.session_state.wall_browser_token


def wall_client(store: WallStore, session_id: str) -> Client:
    headers, cookies, peer = connection_details()
    secret, now = store.shared_secret(), time.time()
    browser = read_token(secret, _browser_token(secret, cookies, now), now)
    return Client(
        session_id=session_id,
        browser_id=browser.browser_id,
        address=client_address(headers, peer),
        newcomer=browser.is_newcomer(now),
        newcomer_until=browser.issued_at + NEWCOMER_SECONDS,
    )


def remember_browser_ui(store: WallStore, session_id: str) -> Client:
    """The client, and (once per session, when the browser has no valid cookie yet) the script that
    writes its token into one. The token is hex digits and dots only, so it is safe inline."""
    client = wall_client(store, session_id)
    if not st.session_state.get("wall_cookie_written"):
        st.session_state.wall_cookie_written = True
        token = st.session_state.wall_browser_token
        st.html(
            "<script>document.cookie = "
            f'"{COOKIE_NAME}={token}; Max-Age={COOKIE_SECONDS}; Path=/; SameSite=Strict"'
            ' + (location.protocol === "https:" ? "; Secure" : "");</script>',
            unsafe_allow_javascript=True,
        )
    return client
