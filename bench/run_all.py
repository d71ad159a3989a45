"""Every benchmark in one command, summarised in one table (and written to bench/RESULTS.md).

    python bench/run_all.py [--quick]

Takes about 10 minutes (training three seeds of two recipes is most of it); --quick trains one
seed and draws fewer digits. Each figure is a median with its 10th-90th percentile spread.
"""

import argparse
import datetime
import os
import platform

import browser_latency
import per_stroke
import shift_map
import train_speed
from common import REPO


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.chdir(REPO)
    rows = []
    rows += per_stroke.rows(drawings=300 if args.quick else 1000)
    rows += shift_map.rows()
    rows += browser_latency.rows(drawings=8 if args.quick else 20)
    rows += train_speed.rows(seeds=(0,) if args.quick else (0, 1, 2))

    import keras
    import tensorflow as tf

    header = (
        f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}"
        f"{' (--quick)' if args.quick else ''}."
    )
    table = ["| figure | measured: median (p10-p90) | target |", "| --- | --- | --- |"]
    table += [f"| {name} | {value} | {target} |" for name, value, target in rows]
    text = "\n".join([header, "", *table])
    print(text)
    (REPO / "bench" / "RESULTS.md").write_text(
        "# Benchmark results\n\nWritten by `python bench/run_all.py`; rerun it to refresh.\n\n" + text + "\n"
    )


if __name__ == "__main__":
    main()
