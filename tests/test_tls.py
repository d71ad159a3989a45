"""TLS at the proxy (issue 22): deploy/local.sh given a certificate and key (TLS_CERT, TLS_KEY)
serves https only: the page and its websocket go over TLS with the test's own self-signed
certificate, and plain HTTP (on HTTP_PORT, or spoken to the https port) is redirected to https,
so the lecturer's passcode never crosses the hall's Wi-Fi in the clear."""

import re
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from harness.browser import chromium, draw_digit, free_port
from tests.deploy_support import local_hall, open_student

pytestmark = pytest.mark.slow


def self_signed(folder) -> tuple:
    """A certificate for 127.0.0.1 and localhost, and its key, made with the openssl CLI."""
    assert shutil.which("openssl"), "openssl is missing (apt-get install openssl)"
    cert, key = folder / "hall.crt", folder / "hall.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=digit-lens-test"]
        + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def tls_hall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(folder)
    http_port = free_port()
    with local_hall(folder, replicas=1, TLS_CERT=str(cert), TLS_KEY=str(key), HTTP_PORT=str(http_port)) as hall:
        hall.cert, hall.http_port = cert, http_port
        yield hall


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def first_answer(url: str) -> tuple[int, str]:
    """The status and Location of `url`'s own answer, its redirect not followed."""
    try:
        with urllib.request.build_opener(_NoRedirect).open(url, timeout=10) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


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
        prediction = (
            page.get_by_test_id("stMainBlockContainer").get_by_test_id("stMetric").filter(has_text="Prediction")
        )
        expect(prediction).to_contain_text(re.compile(r"Prediction\s*7"), timeout=30_000)
        streams = [url for url in sockets if url.endswith("/_stcore/stream")]
        assert streams and all(url.startswith(f"wss://127.0.0.1:{tls_hall.port}/") for url in streams), sockets
        assert page.errors == []
