"""Two versions of the page under the same load at the same moment: bench/load_test.py run twice at
once, one against this checkout and one against another commit (checked out into a temporary git
worktree), each with its own server and its own tabs. The machine's speed changes about 2x within
an hour (bench/RESULTS.md), so figures measured minutes apart compare badly; two servers sharing
the same minutes see the same machine, and the ratio of their CPU per stroke is the figure.

    python bench/side_by_side.py --before COMMIT [--view detailed] [--users 12] [--seconds 60]
                                 [--other-view VIEW]

--other-view: this checkout serves another view (e.g. `--view detailed --other-view floor`: a
view against Streamlit's floor, both from this checkout, when --before is this commit).

Prints each run's server CPU per stroke and p95, and after / before. Needs MNIST (MNIST_NPZ).
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO

CPU = re.compile(r"server CPU per stroke\s+([\d.]+) ms")
LATENCY = re.compile(r"stroke to prediction\s+p50 (\d+) ms, p95 (\d+) ms")


def load_test(checkout: Path, view: str, args) -> subprocess.Popen:
    command = [sys.executable, "bench/load_test.py", "--users", str(args.users), "--seconds", str(args.seconds)]
    command += ["--retrain-at", "-1", "--view", view]
    return subprocess.Popen(command, cwd=checkout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def figures(output: str) -> tuple[float, str]:
    cpu, latency = CPU.search(output), LATENCY.search(output)
    if not cpu:
        raise SystemExit(f"no CPU figure in the load test's output:\n{output[-2000:]}")
    return float(cpu.group(1)), f"p50 {latency.group(1)} ms, p95 {latency.group(2)} ms" if latency else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the commit to compare with")
    parser.add_argument("--view", default="detailed", choices=("detailed", "lecture", "floor"))
    parser.add_argument("--other-view", choices=("detailed", "lecture", "floor"), help="this checkout's view")
    parser.add_argument("--users", type=int, default=12, help="tabs for each of the two servers")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="side_by_side_") as folder:
        before = Path(folder) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(before), args.before], cwd=REPO, check=True)
        try:
            runs = {
                f"before ({args.before}, {args.view})": load_test(before, args.view, args),
                f"after (this checkout, {args.other_view or args.view})": load_test(
                    REPO, args.other_view or args.view, args
                ),
            }
            results = {name: figures(run.communicate()[0]) for name, run in runs.items()}
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=REPO, check=False)
    for name, (cpu, latency) in results.items():
        print(f"{name}: server CPU per stroke {cpu:.1f} ms, {latency}")
    (before_cpu, _), (after_cpu, _) = results.values()
    print(f"after / before: {after_cpu / before_cpu:.2f}")


if __name__ == "__main__":
    main()
