"""The class wall in real browsers: two students (two browser sessions) draw and send; the
lecturer's wall shows both with what the network read, on one 1280x720 screen, and opens one.
And a browser keeps its signed id across a reload: the page writes the cookie, the next page
load's handshake brings it back, and the server counts the send against it."""

import re

import pytest
from playwright.sync_api import expect

from classwall.clients import COOKIE_NAME
from classwall.store import WallStore
from harness.browser import (
    CANVAS,
    DIGIT_STROKES,
    SEND,
    chromium,
    draw_digit,
    in_viewport,
    open_page,
    prediction_shown,
    running_app,
    send_outcome,
)
from tests.support import REPO

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"


def prediction(page):
    return prediction_shown(page)


def draw_and_send(page, digit):
    draw_digit(page, digit)
    expect(prediction(page)).to_contain_text(re.compile(rf"Prediction\s*{digit}\s*\("), timeout=20_000)
    # The page draws the Prediction from the run's first piece and the send row comes later in the
    # same run: a Send pressed before the run ends could still hold the last drawing's digit.
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
    page.get_by_role("button", name=SEND).click()
    sent = send_outcome(page).get_by_text(f"Sent: your {digit} is on the class wall")
    expect(sent).to_be_visible(timeout=20_000)


def test_two_students_send_and_the_wall_shows_both(tmp_path, playwright):
    """Two server processes share the wall's database, as replicas behind nginx do: one student
    on each, the wall on the second."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'wall.sqlite'}", "DIGIT_LENS_PUBLIC_URL": "http://hall.example/"}
    with (
        running_app(env) as other_url,
        running_app(env) as url,
        chromium(playwright) as first,
        chromium(playwright) as second,
    ):
        draw_and_send(open_page(first, other_url), 7)
        draw_and_send(open_page(second, url), 0)
        wall = first.new_page()
        errors = []
        wall.on("pageerror", lambda error: errors.append(str(error)))
        wall.set_viewport_size({"width": 1280, "height": 720})
        wall.goto(f"{url}/?view=wall")
        tiles = wall.locator(".wall-tile")
        expect(tiles).to_have_count(2, timeout=30_000)
        expect(tiles.nth(0)).to_contain_text("read 0")  # newest first
        expect(tiles.nth(1)).to_contain_text("read 7")
        expect(wall.get_by_text("http://hall.example/")).to_be_visible()
        qr = wall.get_by_test_id("stImage").first
        metric = wall.get_by_test_id("stMainBlockContainer").get_by_test_id("stMetric").first
        expect(metric).to_contain_text("100%")
        expect(qr.locator("img")).to_be_visible()
        wall.wait_for_timeout(500)
        wall.screenshot(path=ARTIFACTS / "class-wall-1280x720.png")
        confusion = wall.locator(".wall-confusion")
        for element in (qr, tiles.nth(1), metric, confusion):
            assert in_viewport(wall, element), (element, element.bounding_box())  # one projected screen
        assert qr.bounding_box()["width"] >= 200  # scannable from the back of a hall
        wall.screenshot(path=ARTIFACTS / "class-wall-1280x720.png")
        tiles.nth(1).click()  # the 7: opens in the main view with everything the page shows
        expect(prediction(wall)).to_contain_text(re.compile(r"Prediction\s*7\s*\("), timeout=20_000)
        expect(wall.get_by_text("Meant 7")).to_be_visible()
        # Back to one's own canvas: the button is in the drawing's fragment, the input choice above it.
        wall.get_by_role("button", name="Back to drawing my own").click()
        expect(wall.get_by_role("radiogroup", name="Input")).to_contain_text("Draw", timeout=20_000)
        expect(wall.locator(CANVAS)).to_be_visible()
        assert "drawing=" not in wall.url
        expect(wall.get_by_test_id("stException")).to_have_count(0)
        assert errors == []


def test_send_sends_the_drawing_on_screen_not_the_one_before_its_last_stroke(tmp_path, playwright):
    """A Send pressed right after a stroke, before the canvas has sent it (it waits ~200 ms) and
    the server has read it, would send the drawing without that stroke: Send waits for the
    server's reading of what is on screen."""
    wall = f"sqlite:///{tmp_path / 'wall.sqlite'}"
    across, down = DIGIT_STROKES[4]  # a 4's two strokes; its upright alone reads as 1
    with running_app({"DATABASE_URL": wall}) as url, chromium(playwright) as context:
        page = open_page(context, url)
        draw_digit(page, [down])
        expect(prediction(page)).to_contain_text(re.compile(r"Prediction\s*1\s*\("), timeout=20_000)
        expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=20_000)
        send = page.get_by_role("button", name=SEND)
        expect(send).to_be_enabled()
        draw_digit(page, [across])
        expect(send).to_be_disabled()  # the 4 on screen is not yet the server's
        send.click()  # waits until it is
        expect(send_outcome(page)).to_contain_text("Sent: your 4 is on the class wall (#1, read right)", timeout=20_000)
        assert not page.errors
    [sent] = WallStore(wall).recent(1)
    assert (sent.label, sent.predicted) == (4, 4)


def browser_cookie(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def test_a_browser_keeps_its_signed_id_across_a_reload(tmp_path, playwright):
    """Only a browser runs the line of JavaScript that writes the cookie and sends it back with
    the websocket's handshake (AppTest has no handshake)."""
    url_of_wall = f"sqlite:///{tmp_path / 'wall.sqlite'}"
    with running_app({"DATABASE_URL": url_of_wall}) as url, chromium(playwright) as context:
        page = open_page(context, url)
        draw_digit(page, 7)
        expect(page.get_by_role("button", name=SEND)).to_be_visible(timeout=20_000)
        for _ in range(40):
            if browser_cookie(context):
                break
            page.wait_for_timeout(250)
        written = browser_cookie(context)
        assert written and written.count(".") == 2, context.cookies()
        page.reload()
        draw_and_send(page, 7)
        page.wait_for_timeout(1000)  # a page that had not seen the cookie would write a new one by now
        assert browser_cookie(context) == written
        [sent] = WallStore(url_of_wall).recent(1)
        assert sent.browser == written.split(".")[0]  # the id the reloaded page's handshake brought
