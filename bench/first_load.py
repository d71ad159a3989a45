"""A first page load over the wire, as a student's phone on the hall's Wi-Fi pays it: the page
opened in Chromium with an empty cache through deploy/local.sh (nginx, gzip), every response's
bytes as received (Chromium's encodedDataLength: headers and body, compressed), until the page
is ready to draw on and its late modules and fonts are in. Prints the bytes per resource type,
the largest resources, the total, and what a repeat visit (same browser, its cache) pulls.

    python bench/first_load.py [--replicas 2] [--view detailed|lecture] [--top 15] [--url URL]

--url measures a server already running (a proxy or a single Streamlit) instead of starting
deploy/local.sh. The figure tests/test_deploy.py checks is the detailed view's total.
"""

import argparse
import collections
import os
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from common import REPO  # noqa: F401 - puts the repository on sys.path
from load_test import replicated_app
from playwright.sync_api import sync_playwright

from cnn import DEFAULT_MODEL_PATH
from harness.browser import chromium
from harness.recorded import VIEWS

# The page is ready once the page's own reader has the network's weights (tests/deploy_support.py).
PAGE_READY = """() => [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector(".lr-root"))
  .some(r => r && ["ready", "live"].includes(r.dataset.state))"""
LECTURE_READY = """() => [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
  .some(h => h.shadowRoot && h.shadowRoot.querySelector(".lv-root"))"""


def first_load(context, url: str, ready: str) -> list[dict]:
    """Open `url` in a new tab of `context`; one row per finished response: type, url, bytes."""
    responses, rows = {}, []
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")

    def received(event):
        response = event["response"]
        encoding = {k.lower(): v for k, v in response.get("headers", {}).items()}.get("content-encoding", "")
        responses[event["requestId"]] = (event["type"], response["url"], encoding)

    def finished(event):
        kind, address, encoding = responses.get(event["requestId"], ("Other", "?", ""))
        rows.append({"type": kind, "url": address, "encoding": encoding, "bytes": event["encodedDataLength"]})

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url)
    page.wait_for_function(ready, timeout=60_000)
    page.wait_for_timeout(1500)  # the components' late modules and the fonts (as the test waits)
    page.close()
    return rows


def _name(address: str) -> str:
    path = urllib.parse.urlsplit(address).path
    return path if len(path) <= 60 else "..." + path[-57:]


def report(rows: list[dict], top: int) -> None:
    by_type = collections.Counter()
    count = collections.Counter()
    for row in rows:
        by_type[row["type"]] += row["bytes"]
        count[row["type"]] += 1
    for kind, size in by_type.most_common():
        print(f"    {kind:<12} {size / 1000:8.1f} KB  ({count[kind]} responses)")
    print(f"    {'total':<12} {sum(by_type.values()) / 1e6:8.2f} MB  ({len(rows)} responses)")
    print(f"  largest {top}:")
    for row in sorted(rows, key=lambda r: -r["bytes"])[:top]:
        print(f"    {row['bytes'] / 1000:7.1f} KB  {row['type']:<10} {row['encoding'] or '-':<5} {_name(row['url'])}")


def measure(url: str, view: str, top: int) -> None:
    query = VIEWS[view]
    page_url = url.rstrip("/") + "/" + (f"?{query}" if query else "")
    ready = LECTURE_READY if view == "lecture" else PAGE_READY
    with sync_playwright() as playwright, chromium(playwright) as context:
        first = first_load(context, page_url, ready)
        again = first_load(context, page_url, ready)
    print(f"First load of {page_url} ({view} view), empty cache, bytes over the wire:")
    report(first, top)
    print(f"A repeat visit (same browser): {sum(r['bytes'] for r in again) / 1e6:.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--view", choices=tuple(VIEWS), default="detailed")
    parser.add_argument("--top", type=int, default=15, help="list this many of the largest resources")
    parser.add_argument("--url", help="measure this running server instead of starting deploy/local.sh")
    args = parser.parse_args()
    if args.url:
        measure(args.url, args.view, args.top)
        return
    os.chdir(REPO)
    # A copy of the shipped model: the replicas write what they derive from it beside it.
    workdir = Path(tempfile.mkdtemp(prefix="first-load-"))
    for suffix in (".keras", ".json", ".snapshots.npz"):
        shutil.copy(DEFAULT_MODEL_PATH.with_suffix(suffix), (workdir / "model.keras").with_suffix(suffix))
    try:
        with replicated_app({"CNN_MODEL_PATH": str(workdir / "model.keras")}, args.replicas) as url:
            measure(url, args.view, args.top)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
