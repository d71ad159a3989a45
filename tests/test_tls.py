"""TLS at the proxy (issue 22): deploy/local.sh given a certificate and key (TLS_CERT, TLS_KEY)
serves https only: the page and its websocket go over TLS with the test's own self-signed
certificate, and plain HTTP (on HTTP_PORT, or spoken to the https port) is redirected to https,
so the lecturer's passcode never crosses the hall's Wi-Fi in the clear.

The hall here runs as the README's lecture hall does, with BIND=0.0.0.0: a student on the network
reaches nginx on the machine's own address (and never a replica), and the address the class wall
counts a send against is the one nginx saw, whatever the student's browser wrote in its headers."""

import re
import socket
import ssl
import urllib.request

import pytest
from playwright.sync_api import expect

from classwall.store import WallStore
from harness.browser import SEND, chromium, draw_digit, free_port, prediction_shown, send_outcome
from tests.deploy_support import first_answer, healthy, local_hall, open_student, own_address, self_signed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tls_hall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    own = own_address()
    cert, key = self_signed(folder, *([own] if own else []))
    http_port = free_port()
    wall = f"sqlite:///{folder / 'wall.sqlite'}"
    with local_hall(
        folder,
        replicas=1,
        BIND="0.0.0.0",
        TLS_CERT=str(cert),
        TLS_KEY=str(key),
        HTTP_PORT=str(http_port),
        DATABASE_URL=wall,
        DIGIT_LENS_PASSCODE="",  # no moderation: a send goes on the wall at once
    ) as hall:
        hall.cert, hall.http_port, hall.own, hall.wall = cert, http_port, own, wall
        yield hall


def test_https_serves_the_page_with_the_given_certificate_and_plain_http_is_redirected(tls_hall):
    assert tls_hall.url.startswith("https://")
    served = ssl.get_server_certificate(("127.0.0.1", tls_hall.port))
    assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(tls_hall.cert.read_text())
    trusting = ssl.create_default_context(cafile=str(tls_hall.cert))  # verified against the test's own CA
    with urllib.request.urlopen(tls_hall.url + "/", timeout=10, context=trusting) as response:
        assert response.status == 200
        cookie = response.headers["Set-Cookie"]
    assert "digit_lens_replica=" in cookie and "Secure" in cookie
    # Plain HTTP, on its own port and on the https port itself: sent to the same path over https.
    assert first_answer(f"http://127.0.0.1:{tls_hall.http_port}/?view=lecture") == (
        301,
        f"https://127.0.0.1:{tls_hall.port}/?view=lecture",
    )
    assert first_answer(f"http://127.0.0.1:{tls_hall.port}/_stcore/health") == (
        301,
        f"https://127.0.0.1:{tls_hall.port}/_stcore/health",
    )


@pytest.mark.browser
def test_the_page_and_its_websocket_work_over_https(tls_hall, playwright):
    with chromium(playwright, ignore_https_errors=True) as context:
        sockets = []
        context.on("page", lambda page: page.on("websocket", lambda ws: sockets.append(ws.url)))
        # Typed as plain http, as a student might: the redirect brings the page over https.
        page = open_student(context, f"http://127.0.0.1:{tls_hall.http_port}/")
        assert page.url.startswith(f"https://127.0.0.1:{tls_hall.port}/")
        draw_digit(page, 7)
        prediction = prediction_shown(page)
        expect(prediction).to_contain_text(re.compile(r"Prediction\s*7"), timeout=30_000)
        streams = [url for url in sockets if url.endswith("/_stcore/stream")]
        assert streams and all(url.startswith(f"wss://127.0.0.1:{tls_hall.port}/") for url in streams), sockets
        assert page.errors == []


def test_the_machines_own_address_reaches_nginx_and_never_a_replica(tls_hall):
    if tls_hall.own is None:
        pytest.skip("`hostname -I` gives no address but loopback: nothing to reach the hall by")
    own, port = tls_hall.own, tls_hall.port
    assert healthy(f"https://{own}:{port}")
    assert first_answer(f"http://{own}:{tls_hall.http_port}/?view=wall") == (301, f"https://{own}:{port}/?view=wall")
    for replica in tls_hall.replica_ports:  # BIND is nginx's alone: the replicas stay on loopback
        with socket.socket() as sock:
            assert sock.connect_ex((own, replica)) != 0, replica


FORGED = "203.0.113.9"  # TEST-NET-3: no student has it


@pytest.mark.browser
def test_an_address_the_browser_writes_in_its_headers_is_not_the_one_the_wall_counts(tls_hall, playwright):
    """The per-address cap reads the address nginx passes on; a student who writes X-Real-IP and
    X-Forwarded-For themselves (into the page's requests and the websocket's handshake) must still
    be counted at the address nginx saw: 127.0.0.1 from this machine, the machine's own address
    when reached by it, as a student on the Wi-Fi would."""
    hosts = ["127.0.0.1", *([tls_hall.own] if tls_hall.own else [])]
    forged = {"X-Real-IP": FORGED, "X-Forwarded-For": FORGED}
    for host in hosts:
        with chromium(playwright, ignore_https_errors=True, extra_http_headers=forged) as context:
            page = open_student(context, f"https://{host}:{tls_hall.port}/")
            draw_digit(page, 7)
            prediction = prediction_shown(page)
            expect(prediction).to_contain_text(re.compile(r"Prediction\s*7"), timeout=30_000)
            page.get_by_role("button", name=SEND).click()
            sent = send_outcome(page).get_by_text("Sent: your 7 is on the class wall")
            expect(sent).to_be_visible(timeout=20_000)
    recorded = sorted(drawing.address for drawing in WallStore(tls_hall.wall).recent())
    assert recorded == sorted(hosts)
