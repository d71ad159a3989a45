"""Helpers shared by the benchmark scripts: timing with medians and spread, quiet TensorFlow."""

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as `python bench/x.py` from anywhere


def time_calls(function, repeats: int, warmup: int = 5) -> list[float]:
    """Seconds per call, `repeats` times, after `warmup` calls that are not counted."""
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def summary_ms(seconds: list[float]) -> str:
    """'median 1.23 ms (p10 1.1, p90 1.5, n=200)'."""
    ms = sorted(s * 1000 for s in seconds)
    deciles = statistics.quantiles(ms, n=10) if len(ms) > 1 else [ms[0]] * 9
    return f"median {statistics.median(ms):.2f} ms (p10 {deciles[0]:.2f}, p90 {deciles[-1]:.2f}, n={len(ms)})"


def spread_ms(seconds: list[float]) -> str:
    """'1.23 ms (1.10-1.50)': median with the 10th-90th percentile range."""
    ms = sorted(s * 1000 for s in seconds)
    deciles = statistics.quantiles(ms, n=10) if len(ms) > 1 else [ms[0]] * 9
    return f"{statistics.median(ms):.2f} ms ({deciles[0]:.2f}-{deciles[-1]:.2f}, n={len(ms)})"


def mnist_path() -> Path:
    path = Path(os.environ.get("MNIST_NPZ") or REPO.parent / "shared" / "data" / "mnist.npz")
    if not path.is_file():
        sys.exit(f"MNIST not found at {path}; set MNIST_NPZ")
    return path
