"""The class wall's per-client limits (classwall/clients.py, classwall/sending.py): the signed
browser cookie, the address nginx passes on, and a script that reloads as fast as it can (a new
session, and no cookie, every time) while the rest of the class sends."""

import re

import pytest

from classwall.clients import COOKIE_SECONDS, Client, client_address, mint_token, read_token
from classwall.sending import MAX_NEWCOMERS_PER_ADDRESS, MAX_PER_MINUTE, MAX_PER_MINUTE_ALL, Refused, send
from classwall.store import WallStore
from tests.test_class_wall_store import a_drawing

SECRET = bytes(range(32))
HALL = "203.0.113.7"  # the hall's NAT: every student, and the script, behind one address


def test_a_browser_token_is_the_servers_own_and_ages():
    token = mint_token(SECRET, now=1_000_000.0)
    browser = read_token(SECRET, token, now=1_000_030.0)
    assert browser.issued_at == 1_000_000.0 and len(browser.browser_id) == 16
    assert browser.is_newcomer(1_000_030.0) and not browser.is_newcomer(1_000_060.0)
    assert read_token(SECRET, mint_token(SECRET, 1_000_000.0), 1_000_000.0).browser_id != browser.browser_id
    browser_id, issued, signature = token.split(".")
    assert read_token(bytes(32), token, 1_000_030.0) is None  # another server's secret
    assert read_token(SECRET, f"{browser_id}.{int(issued) - 3600}.{signature}", 1_000_030.0) is None  # made older
    assert read_token(SECRET, f"{'0' * 16}.{issued}.{signature}", 1_000_030.0) is None  # another id
    assert read_token(SECRET, token, 1_000_000.0 + COOKIE_SECONDS + 1) is None  # expired
    for junk in (None, "", "a.b.c", "x" * 4000, token + ".1", "é" * 16 + f".{issued}.{signature}"):
        assert read_token(SECRET, junk, 1_000_030.0) is None


def test_the_address_is_the_one_the_proxy_saw():
    behind_nginx = None  # Streamlit gives no peer address for a connection from this machine
    assert client_address({"X-Real-IP": "198.51.100.4"}, behind_nginx) == "198.51.100.4"
    # nginx appends the address it saw: whatever the client wrote comes before it
    assert client_address({"X-Forwarded-For": "10.9.9.9, 198.51.100.4"}, behind_nginx) == "198.51.100.4"
    assert client_address({}, behind_nginx) == "local"
    assert client_address({"X-Real-IP": "not an address"}, behind_nginx) == "unknown"
    # a client reaching the server directly could write any headers: its own address counts
    assert client_address({"X-Real-IP": "198.51.100.4"}, "192.0.2.8") == "192.0.2.8"
    # one device can have a whole /64 of IPv6 addresses
    assert client_address({}, "2001:db8:1:2:aaaa::1") == client_address({}, "2001:db8:1:2:bbbb::9")
    assert client_address({}, "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_address({}, "::ffff:192.0.2.8") == "192.0.2.8"


def a_new_session(index: int, address: str = HALL) -> Client:
    """What a reload that drops its cookie looks like to the wall: a new session, a new browser."""
    return Client(f"script-{index}", f"{index:016x}", address, newcomer=True)


def a_student(index: int, address: str = HALL) -> Client:
    """A student whose page (or cookie) is older than a minute."""
    return Client(f"student-{index}", f"{10**6 + index:016x}", address, newcomer=False)


def flood(store, now: float, sessions: int) -> tuple[int, list[str]]:
    """A script making new sessions as fast as it can, each sending until refused."""
    taken, refusals = 0, []
    for index in range(sessions):
        for _ in range(MAX_PER_MINUTE):
            try:
                send(store, a_drawing(session=a_new_session(index)), now=now)
                taken += 1
            except Refused as refusal:
                refusals.append(str(refusal))
                break
    return taken, refusals


def test_a_reloading_script_leaves_the_class_its_sends(wall_url):
    store = WallStore(wall_url)
    now = 10_000.0
    taken, refusals = flood(store, now, sessions=MAX_NEWCOMERS_PER_ADDRESS // MAX_PER_MINUTE + 20)
    assert taken == MAX_NEWCOMERS_PER_ADDRESS
    assert refusals and all("pages just opened on your network" in r for r in refusals)
    assert re.search(r"Keep this page open: you can send again in (60|59) s\.", refusals[-1])

    # the rest of the hall, behind the same address, sends meanwhile: every one goes through
    for index in range(MAX_PER_MINUTE_ALL - MAX_NEWCOMERS_PER_ADDRESS):
        send(store, a_drawing(session=a_student(index)), now=now + 1)
    # ... and a student elsewhere, even on a page just opened, would too, were the class not full now
    with pytest.raises(Refused, match=r"taken 300 drawings in the last minute.*again in 59 s"):
        send(store, a_drawing(session=a_new_session(10**5, address="198.51.100.4")), now=now + 1)


def test_a_new_student_elsewhere_is_not_held_back_by_the_script(wall_url):
    store = WallStore(wall_url)
    flood(store, 10_000.0, sessions=MAX_NEWCOMERS_PER_ADDRESS)
    send(store, a_drawing(session=a_new_session(10**5, address="198.51.100.4")), now=10_001.0)


def test_a_newcomer_behind_the_scripts_address_waits_at_most_until_the_page_is_a_minute_old(wall_url):
    store = WallStore(wall_url)
    flood(store, 10_000.0, sessions=MAX_NEWCOMERS_PER_ADDRESS)
    with pytest.raises(Refused, match=r"again in 20 s\."):
        send(store, a_drawing(session=a_new_session(10**5)), now=10_010.0, newcomer_until=10_030.0)
    send(store, a_drawing(session=a_student(10**5)), now=10_030.0)  # the same browser, a minute old


def test_a_script_that_keeps_its_cookie_is_one_student(wall_url):
    store = WallStore(wall_url)
    for index in range(MAX_PER_MINUTE):
        send(store, a_drawing(session=Client(f"reload-{index}", "ab" * 8, HALL, newcomer=False)), now=100.0 + index)
    with pytest.raises(Refused, match=r"You have sent 3 drawings in the last minute.*again in 58 s\."):
        send(store, a_drawing(session=Client("reload-9", "ab" * 8, HALL, newcomer=False)), now=102.0)
    send(store, a_drawing(session=a_student(1)), now=102.0)  # the student beside it is not held back
