"""deploy/local.sh started by a test: on free ports, with its own model copy, its log in a file;
and the small probes the deployment tests share (is a port healthy, who answers through nginx)."""

import contextlib
import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import expect

from harness.browser import open_page
from tests.support import REPO, copy_shipped_model

LOCAL = REPO / "deploy" / "local.sh"
# Never verifies: the TLS tests use a certificate they made themselves.
_UNVERIFIED = ssl._create_unverified_context()


@dataclass
class Hall:
    process: subprocess.Popen
    url: str  # the proxy's, http:// or https://
    port: int
    replica_ports: list[int]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def replica_pid(self, index: int) -> int:
        """The pid local.sh last started replica `index` with (it says so in its log)."""
        return int(re.findall(rf"replica {index} \(pid (\d+)\)", self.log_text())[-1])

    def nginx_pid(self) -> int:
        return int(re.findall(r"nginx \(pid (\d+)\)", self.log_text())[-1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=_UNVERIFIED) as response:
            return response.read() == b"ok"
    except (OSError, urllib.error.URLError):
        return False


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def fetch_status(url: str, timeout: float = 10) -> int:
    """The HTTP status nginx answers `url` with (0 if nothing answered)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=_UNVERIFIED) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def own_address() -> str | None:
    """This machine's first IPv4 address that is not loopback (as `hostname -I` lists them), the one
    a student on the same network would reach it by; None if it has none."""
    try:
        listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout.split()
    except OSError:
        return None
    for address in listed:
        parsed = ipaddress.ip_address(address)
        if parsed.version == 4 and not parsed.is_loopback:
            return address
    return None


def self_signed(folder: Path, *addresses: str) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, localhost and `addresses`, and its key, made with the openssl CLI."""
    assert shutil.which("openssl"), "openssl is missing (apt-get install openssl)"
    cert, key = folder / "hall.crt", folder / "hall.key"
    names = ",".join(["IP:127.0.0.1", "DNS:localhost", *(f"IP:{address}" for address in addresses)])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=digit-lens-test"]
        + ["-addext", f"subjectAltName={names}", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


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


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> tuple[int, int]:
    """A proxy port and the first of `count` consecutive free replica ports, all below the
    kernel's range for outgoing connections' ports: a replica restarted on a port in that range
    can find it taken by a connection that happened to pick it meanwhile (nginx's to the other
    replica, a browser's), as it did under CI's load. local.sh's own default ports (8501, 8601...)
    are below it too."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port, first = random.randrange(10_000, low - count), random.randrange(10_000, low - count)
        span = range(first, first + count)
        if port not in span and all(_bindable(p) for p in (port, *span)):
            return port, first


@contextlib.contextmanager
def local_hall(folder: Path, replicas: int = 2, timeout: float = 120, **env_extra: str):
    """deploy/local.sh with `replicas` replicas on free ports, the shipped model copied into
    `folder`; `env_extra` adds to its environment (TLS_CERT, MNIST_NPZ, ...). Stopped afterwards."""
    model = copy_shipped_model(folder)
    port, first = _free_ports(replicas)
    env = dict(os.environ, REPLICAS=str(replicas), PORT=str(port), FIRST_REPLICA_PORT=str(first))
    env.update(CNN_MODEL_PATH=str(model), **env_extra)
    scheme = "https" if env_extra.get("TLS_CERT") else "http"
    log_path = folder / "local.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(["bash", str(LOCAL)], env=env, stdout=log, stderr=subprocess.STDOUT)
    hall = Hall(process, f"{scheme}://127.0.0.1:{port}", port, [first + i for i in range(replicas)], log_path)
    try:
        deadline = time.monotonic() + timeout
        # Every replica, not just the address: a test that spreads students needs both.
        while not healthy(hall.url) or not all(listening(p) for p in hall.replica_ports):
            assert process.poll() is None and time.monotonic() < deadline, hall.log_text()[-3000:]
            time.sleep(0.5)
        yield hall
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


# A student draws once the page has loaded: the page's own reader has the network's weights and
# the first run is over (a stroke drawn while the first page load was still running went unread).
PAGE_READY = """() => [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector(".lr-root"))
  .some(r => r && ["ready", "live"].includes(r.dataset.state))"""


def open_student(context, url):
    page = open_page(context, url)
    page.wait_for_function(PAGE_READY, timeout=60_000)
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=30_000)
    return page
