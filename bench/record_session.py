"""Record what a real Chromium sends on each stroke (harness/recorded.py) and save it, one file a
view, for bench/load_test.py --recorded and tests/test_load_replay.py:

    python bench/record_session.py [--out bench/recorded] [--views detailed lecture]

load_test.py records afresh against the server under test by default, so the saved files are a
reference (the replay's test fixture, and a fixed payload to compare runs with); load_test.py
refuses a saved one whose widget ids no longer match the server's.
"""

import argparse
from pathlib import Path

from common import REPO, mnist_path
from playwright.sync_api import sync_playwright

from harness.browser import running_app
from harness.recorded import VIEWS, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "recorded")
    parser.add_argument("--views", nargs="+", choices=tuple(VIEWS), default=list(VIEWS))
    args = parser.parse_args()
    with running_app({"MNIST_NPZ": str(mnist_path())}) as url, sync_playwright() as playwright:
        for view in args.views:
            recording = record(playwright, url, view)
            path = args.out / f"{view}.json"
            recording.save(path)
            states = [len(r) for r in recording.stroke_states()]
            sizes = [len(s.message) for s in recording.strokes]
            print(
                f"{view}: {len(recording.strokes)} strokes, widget states per stroke {min(states)}-{max(states)}, "
                f"{min(sizes) / 1000:.1f}-{max(sizes) / 1000:.1f} KB each -> {path.relative_to(REPO)}"
            )


if __name__ == "__main__":
    main()
