"""A lecture that survives its servers (issue 22), on deploy/local.sh with 2 replicas and several
students in Chromium (separate browser contexts, so separate cookies and sessions):

- a replica killed with SIGKILL: the address keeps answering, nginx passes the dead replica's
  students to the live one, their tabs reconnect by themselves and read a new drawing, without a
  reload; local.sh starts the dead replica again; a wall send acknowledged before is kept;
- a rolling restart (SIGHUP to local.sh, as for a deploy): every replica is restarted, one at a
  time and taken out of nginx first, and no request through the proxy meanwhile gets an error;
- nginx itself killed: local.sh stops everything (nothing could be served).
"""

import os
import signal
import threading
import time

import pytest
from playwright.sync_api import expect

from classwall.store import WallStore
from harness.browser import CHROMIUM, CHROMIUM_ARGS, SEND, clear_canvas, draw_digit, prediction_value, send_outcome
from tests.deploy_support import fetch_status, healthy, listening, local_hall, open_student
from tests.support import REPO

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ARTIFACTS = REPO / "artifacts"
STUDENTS = 4
# A new digit for each student after the fault (harness.browser draws these).
NEW_DIGITS = [0, 4, 2, 1]


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hall")
    wall = f"sqlite:///{folder / 'wall.sqlite'}"
    with local_hall(folder, replicas=2, DATABASE_URL=wall) as hall:
        hall.wall = wall
        yield hall


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def prediction(page):
    return prediction_value(page)


def replica_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "digit_lens_replica")


class Prober:
    """GETs the page and the health check through nginx in turn, every 0.2 s on a thread; keeps
    every answer's status."""

    def __init__(self, url: str):
        self.urls, self.statuses = [url + "/", url + "/_stcore/health"], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.statuses.append(fetch_status(self.urls[len(self.statuses) % 2], timeout=5))
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)

    def failures(self) -> list[int]:
        return [status for status in self.statuses if status != 200]


def test_a_killed_replica_is_started_again_and_its_students_carry_on(hall, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(STUDENTS)]
    try:
        pages = []
        for context in contexts:
            page = open_student(context, hall.url)
            draw_digit(page, 7)
            expect(prediction(page)).to_contain_text("7", timeout=30_000)
            pages.append(page)
        replicas = [replica_of(context) for context in contexts]
        assert set(replicas) == {"r0", "r1"}, replicas  # newcomers are spread over both
        # One student's drawing on the wall, acknowledged before the fault.
        sender = pages[replicas.index("r0")]
        sender.get_by_role("button", name=SEND).click()
        expect(send_outcome(sender)).to_contain_text("Sent", timeout=20_000)
        sent = WallStore(hall.wall).count()

        for page in pages:  # gone if the tab were reloaded
            page.evaluate("window.openedBeforeTheFault = true")
        victim = hall.replica_pid(0)
        with Prober(hall.url) as prober:
            killed = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            read_after = []
            for page, digit in zip(pages, NEW_DIGITS, strict=True):
                clear_canvas(page)
                draw_digit(page, digit)
                expect(prediction(page)).to_contain_text(str(digit), timeout=20_000)
                read_after.append(round(time.monotonic() - killed, 1))
            while not healthy(f"http://127.0.0.1:{hall.replica_ports[0]}"):
                assert time.monotonic() - killed < 60, hall.log_text()[-3000:]
                time.sleep(0.5)
            back_after = time.monotonic() - killed
            time.sleep(1)
        print(f"read again after {read_after} s; replica 0 serving again after {back_after:.1f} s")
        for index, page in enumerate(pages):
            page.screenshot(path=ARTIFACTS / f"faults-student-{index}-{replicas[index]}.png")
        assert prober.failures() == [], prober.statuses
        assert hall.process.poll() is None  # local.sh went on serving
        assert hall.replica_pid(0) != victim
        # The dead replica's students now belong to the live one, and stay there.
        assert [replica_of(context) for context in contexts] == ["r1"] * STUDENTS
        assert WallStore(hall.wall).count() == sent
        # No reload: each tab is the one opened before the fault, and raised no script error.
        for page in pages:
            assert page.errors == []
            assert page.evaluate("window.openedBeforeTheFault") is True
    finally:
        for context in contexts:
            context.close()


def test_a_student_who_draws_while_the_tab_reconnects_is_read_and_keeps_the_chapter(hall, browser):
    """The stroke made at once after the kill ends while the catch-up run is still on its way on
    the new process, where the fragment's rerun it sends is refused: it must be read all the same
    (connection_watch.js asks for another catch-up), in the chapter the address names, and the
    student is told once that the tab moved."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = open_student(context, f"{hall.url}/?chapter=compare")
        draw_digit(page, 7)
        expect(prediction(page)).to_contain_text("7", timeout=30_000)
        dense = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stMetric").filter(has_text="Dense net")
        expect(dense).to_be_visible(timeout=20_000)
        address = page.url
        page.evaluate(_COLLECT_TOASTS)
        victim = hall.replica_pid(int(replica_of(context)[1:]))
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        clear_canvas(page)  # straight away: offline, then reconnecting, then catching up
        draw_digit(page, 4)
        expect(prediction(page)).to_contain_text("4", timeout=20_000)
        print(f"drawn straight after the kill: read after {time.monotonic() - killed:.1f} s")
        expect(dense).to_be_visible()  # the same chapter, from the address
        assert page.url == address
        page.wait_for_timeout(2000)  # any late toast
        print(f"catch-ups asked for by the tab: {page.evaluate(_WATCH_STATE)}")
        moved = [t for t in page.evaluate("window.toastsSeen") if "another server process" in t]
        assert len(moved) == 1, page.evaluate("window.toastsSeen")
        assert page.errors == []
    finally:
        context.close()


_WATCH_STATE = """() => [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector('.connection-watch')).filter(Boolean)
  .map(w => ({...w.dataset}))"""
_COLLECT_TOASTS = """() => { window.toastsSeen = [];
  new MutationObserver(() => document.querySelectorAll("[data-testid='stToast']").forEach(t => {
    if (!t.dataset.seen) { t.dataset.seen = "1"; window.toastsSeen.push(t.textContent); } }))
    .observe(document.body, { childList: true, subtree: true }); }"""


def test_a_rolling_restart_restarts_every_replica_without_an_error(hall, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = open_student(context, hall.url)
        draw_digit(page, 7)
        expect(prediction(page)).to_contain_text("7", timeout=30_000)
        page.evaluate("window.openedBeforeTheRestart = true")
        # A second student who opened the page and has drawn nothing yet when the restart comes.
        idle = open_student(context, hall.url)
        idle.evaluate("window.openedBeforeTheRestart = true")
        for tab in (page, idle):  # every toast the page shows from now on, however briefly
            tab.evaluate(_COLLECT_TOASTS)
        before = [hall.replica_pid(i) for i in range(2)]
        with Prober(hall.url) as prober:
            started = time.monotonic()
            hall.process.send_signal(signal.SIGHUP)
            while "rolling restart done" not in hall.log_text():
                assert time.monotonic() - started < 90 and hall.process.poll() is None, hall.log_text()[-3000:]
                time.sleep(0.5)
            took = time.monotonic() - started
            time.sleep(1)
        print(f"rolling restart of 2 replicas: {took:.1f} s, {len(prober.statuses)} requests through nginx")
        assert prober.failures() == [], prober.statuses
        assert len(prober.statuses) > 20
        # Drained, not failed over: nginx never tried a replica while it was stopped.
        rolling = hall.log_text().split("rolling restart of 2 replicas")[-1]
        assert "connect() failed" not in rolling, rolling
        after = [hall.replica_pid(i) for i in range(2)]
        assert all(a != b for a, b in zip(before, after, strict=True)), (before, after)
        # The student's tab reconnected by itself (its replica was restarted under it) and reads on.
        clear_canvas(page)
        draw_digit(page, 4)
        expect(prediction(page)).to_contain_text("4", timeout=20_000)
        assert page.evaluate("window.openedBeforeTheRestart") is True
        assert page.errors == []
        # Their first stroke ever reaches a server session that never ran the page: read all the same.
        draw_digit(idle, 2)
        expect(prediction(idle)).to_contain_text("2", timeout=20_000)
        assert idle.evaluate("window.openedBeforeTheRestart") is True
        # Both were moved to another process (each replica was restarted): told once, in words.
        for tab in (page, idle):
            moved = [t for t in tab.evaluate("window.toastsSeen") if "another server process" in t]
            assert moved, tab.evaluate("window.toastsSeen")
    finally:
        context.close()


def test_nginx_killed_stops_everything(hall):
    # Last in this module: it ends the servers the other tests used.
    os.kill(hall.nginx_pid(), signal.SIGKILL)
    assert hall.process.wait(timeout=15) == 1
    assert "nginx stopped; stopping everything" in hall.log_text()
    deadline = time.monotonic() + 15
    while any(listening(port) for port in hall.replica_ports):
        assert time.monotonic() < deadline, "a replica still listens after nginx died"
        time.sleep(0.2)
