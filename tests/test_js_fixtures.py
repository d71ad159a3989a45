"""The fixtures the browser's modules are tested against (tests/js/, `node --test tests/js/`) are
what the Python computes now: a change to the payload, the model, the colour scales or the grid
that the committed tests/js/fixtures/lecture.json does not follow fails here, and a JS module
that no longer agrees with them fails there. Regenerate with `python -m tests.js_fixtures`."""

import base64
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from tests.js_fixtures import (
    FIXTURE,
    MAP_FIXTURE,
    UNITS_FIXTURE,
    as_json,
    digit_map_fixtures,
    fixtures,
    unit_digits_fixtures,
)
from tests.support import REPO

REGENERATE = "regenerate it: python -m tests.js_fixtures"


def differences(committed, current, where="") -> list[str]:
    """Where two fixtures differ, floats to 1e-3 and base64 bytes to 1 (another BLAS may round a
    last bit differently), everything else exactly."""
    if isinstance(committed, dict) and isinstance(current, dict):
        if committed.keys() != current.keys():
            return [f"{where}: keys {sorted(committed.keys() ^ current.keys())}"]
        return [d for key in committed for d in differences(committed[key], current[key], f"{where}.{key}")]
    if isinstance(committed, list) and isinstance(current, list):
        if len(committed) != len(current):
            return [f"{where}: {len(committed)} items, now {len(current)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(committed, current, strict=True))
            for d in differences(a, b, f"{where}[{i}]")
        ]
    if isinstance(committed, float) or isinstance(current, float):
        return [] if abs(committed - current) <= 1e-3 else [f"{where}: {committed} -> {current}"]
    if isinstance(committed, str) and where.endswith(".data") and committed != current:
        a, b = (np.frombuffer(base64.b64decode(s), np.uint8).astype(int) for s in (committed, current))
        return [] if a.shape == b.shape and np.abs(a - b).max() <= 1 else [f"{where}: other bytes"]
    return [] if committed == current else [f"{where}: {committed!r} -> {current!r}"]


def test_the_committed_js_fixture_is_what_python_computes_now(mnist):
    assert FIXTURE.is_file(), f"{FIXTURE.relative_to(REPO)} is missing: {REGENERATE}"
    committed = json.loads(FIXTURE.read_text())
    current = json.loads(as_json(fixtures(mnist)))
    found = differences(committed, current)
    assert not found, f"{FIXTURE.relative_to(REPO)} is stale ({REGENERATE}):\n" + "\n".join(found[:20])


def test_the_committed_map_fixture_is_what_python_computes_now(mnist):
    assert MAP_FIXTURE.is_file(), f"{MAP_FIXTURE.relative_to(REPO)} is missing: {REGENERATE}"
    committed = json.loads(MAP_FIXTURE.read_text())
    current = json.loads(as_json(digit_map_fixtures(mnist)))
    # The points as bytes may move a hundredth of a pixel on another BLAS; the rest as above.
    for fixture in (committed, current):
        fixture["map"]["points"] = np.frombuffer(base64.b64decode(fixture["map"]["points"]), "<u2").tolist()
    found = differences(committed, current)
    found = [d for d in found if not _within_a_step(d, committed, current)]
    assert not found, f"{MAP_FIXTURE.relative_to(REPO)} is stale ({REGENERATE}):\n" + "\n".join(found[:20])


def test_the_committed_unit_digits_fixture_is_what_python_computes_now(mnist):
    assert UNITS_FIXTURE.is_file(), f"{UNITS_FIXTURE.relative_to(REPO)} is missing: {REGENERATE}"
    committed = json.loads(UNITS_FIXTURE.read_text())
    current = json.loads(as_json(unit_digits_fixtures(mnist)))
    # The files' float32 activations may differ in a last bit on another BLAS: compared as numbers.
    for fixture in (committed, current):
        fixture["files"] = {
            name: np.frombuffer(base64.b64decode(data), "<f4", len(base64.b64decode(data)) // 7).tolist()
            + np.frombuffer(base64.b64decode(data)[len(base64.b64decode(data)) // 7 * 4 :], np.uint8).tolist()
            for name, data in fixture["files"].items()
        }
    found = differences(committed, current)
    assert not found, f"{UNITS_FIXTURE.relative_to(REPO)} is stale ({REGENERATE}):\n" + "\n".join(found[:20])


def _within_a_step(difference: str, committed, current) -> bool:
    return (
        difference.startswith(".map.points")
        and np.abs(np.subtract(committed["map"]["points"], current["map"]["points"])).max() <= 1
    )


def test_the_comparison_sees_a_changed_number_and_a_changed_byte():
    data = base64.b64encode(bytes([0, 10, 255])).decode()
    other = base64.b64encode(bytes([0, 12, 255])).decode()
    assert differences({"a": [1.0, {"data": data}]}, {"a": [1.0004, {"data": data}]}) == []
    assert differences({"a": [1.0]}, {"a": [1.01]}) == [".a[0]: 1.0 -> 1.01"]
    assert differences({"data": data}, {"data": other}) == [".data: other bytes"]
    assert differences({"n": 3}, {"n": 4}) == [".n: 3 -> 4"]


def test_the_browser_modules_pass_their_node_tests():
    # The same run as the README's `node --test tests/js/`, here too so that a syntax error in
    # the browser's code fails the quick loop.
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is missing: apt-get install nodejs")
        pytest.skip("node is not installed")
    result = subprocess.run([node, "--test", "tests/js/"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
