"""What "what excites this unit" costs: finding the 9 test digits of every unit of every layer
(cnn/net/top_activations.py over the 10,000 MNIST test digits, the way the server's background
thread does it, with the server's one BLAS thread and with numpy's default), reading them back
from the file beside the model (another replica), one unit's block for its panel, and, in
Chromium, the click on a position of the lecture view's enlarged map to that unit's digits shown
(found by the page in the server's files, no round trip), a first click on another channel, and
clicks on the dense units and on the ten outputs.

    python bench/unit_examples.py [--repeats 3] [--clicks 15] [--no-browser]

Targets (issue 25): the precompute <= 10 s, in the background; a unit's examples shown <= 50 ms
after the click once computed.
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from common import mnist_path, spread_ms
from threadpoolctl import threadpool_limits

from cnn import DEFAULT_MODEL_PATH
from cnn.files.mnist import read_npz
from cnn.net.top_activations import searched_layers, top_activations
from cnn.serving.model_store import ModelStore
from cnn.serving.unit_examples import ExampleDigits, UnitExampleShelf
from display.unit_examples import unit_examples_block


def precompute(repeats: int) -> None:
    arrays = read_npz(mnist_path())
    images, labels = arrays["x_test"], arrays["y_test"].astype("int64")
    loaded = ModelStore(DEFAULT_MODEL_PATH).current()
    network = loaded.network
    units = {name: int(np.prod(network.layer(name).shape)) for name in searched_layers(network)}
    print(f"units: {units} + 10 outputs = {sum(units.values()) + 10:,}, over {len(images):,} test digits")
    for threads, label in ((1, "1 BLAS thread (the server)"), (None, "numpy's default threads")):
        seconds = []
        for _ in range(repeats):
            with threadpool_limits(limits=threads, user_api="blas"):  # None: no limit
                started = time.perf_counter()
                examples = top_activations(network, images, labels)
                seconds.append(time.perf_counter() - started)
        print(
            f"precompute, every unit of every layer, {label}: median {statistics.median(seconds):.2f} s "
            f"(min {min(seconds):.2f}, max {max(seconds):.2f}, n={repeats})  target <= 10 s"
        )
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "model.keras"
        model.write_bytes(Path(DEFAULT_MODEL_PATH).read_bytes())
        test_set = ExampleDigits(images, labels, "bench", "bench")
        UnitExampleShelf(test_set).wait(network, model)
        file = next(Path(folder).glob("*.unit-examples-*.npz"))
        reader = UnitExampleShelf(test_set)
        started = time.perf_counter()
        reader.wait(network, model)
        print(
            f"read back from the file beside the model ({file.stat().st_size / 1e6:.1f} MB): "
            f"{(time.perf_counter() - started) * 1000:.0f} ms (builds: {reader.builds})"
        )
    blocks, sizes = [], []
    for name, unit in (
        ("conv1", (5, 12, 12)),
        ("pool1", (3, 6, 6)),
        ("conv2", (5, 5, 5)),
        ("conv3", (1, 1, 1)),
        ("dense", (3, 0, 0)),
        ("probabilities", (7, 0, 0)),
    ):
        started = time.perf_counter()
        block = unit_examples_block(examples, test_set, loaded.layer(name), loaded.weights, *unit)
        blocks.append(time.perf_counter() - started)
        sizes.append(f"{name} {len(json.dumps(block)) / 1000:.1f} KB")
    print(
        f"one unit's block for its panel (made once per unit, then kept): {spread_ms(blocks)}; JSON: {', '.join(sizes)}"
    )


# In the page: from a click to the clicked unit's digits drawn (the page finds them in the server's
# files, static/js/lecture/unit_digits.js, and cuts each crop from the sheets), timed by the
# page's clock. `target`: a position on the enlarged map ("big", row, column) or a channel of a
# layer's grid ("grid", layer, channel): another channel's file is fetched on its first click.
_CLICK_TO_SHOWN = """async ([how, a, b]) => {
  const root = [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
    .map(h => h.shadowRoot && h.shadowRoot.querySelector(".lv-root")).find(Boolean);
  // The view may be mid-redraw (a rerun of the page just arrived): wait for its panel first.
  const needed = { big: ".lv-big", unit: ".lv-unit", prob: ".lv-prob" }[how] || `section[data-layer=${a}] canvas`;
  for (let waited = 0; !root.querySelector(needed); waited++) {
    if (waited > 100) return NaN;
    await new Promise((r) => setTimeout(r, 20));
  }
  const started = performance.now();
  let done;
  if (how === "big") {
    const big = root.querySelector(".lv-big");
    const box = big.getBoundingClientRect();
    const cells = 26; // conv1's map is 26 x 26
    const x = box.left + (b + 0.5) / cells * box.width, y = box.top + (a + 0.5) / cells * box.height;
    big.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: x, clientY: y }));
    done = () => root.querySelector(".lv-examples")?.dataset.unit?.endsWith(`/${a}/${b}`);
  } else if (how === "unit" || how === "prob") {  // a Dense(64) unit of the strip, or one of the ten outputs
    const target = root.querySelectorAll(how === "unit" ? ".lv-unit" : ".lv-prob")[a];
    target.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    const title = how === "unit" ? `dense · unit ${a}` : `· the ${a}`;
    done = () => (root.querySelector(".lv-inspector-title")?.textContent || "").includes(title);
  } else {
    const grid = root.querySelector(`section[data-layer=${a}] canvas`);
    grid.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    done = () => (root.querySelector(".lv-inspector-title")?.textContent || "").startsWith(`${a} · channel`);
  }
  return await new Promise((resolve) => {
    const look = () => {
      const examples = root.querySelector(".lv-examples");
      const thumbs = examples ? [...examples.querySelectorAll("canvas")] : [];
      const settled = done() && examples && !examples.textContent.includes("Finding")
        && thumbs.every((c) => c.dataset.drawn === "1");
      if (settled) resolve(performance.now() - started);
      else if (performance.now() - started > 10000) resolve(NaN);
      else requestAnimationFrame(look);
    };
    look();
  });
}"""


def in_chromium(clicks: int) -> None:
    from playwright.sync_api import sync_playwright

    from harness.browser import chromium, draw_digit, open_page, running_app

    with running_app({"MNIST_NPZ": str(mnist_path())}) as url, sync_playwright() as playwright:
        with chromium(playwright, width=1280, height=720) as context:
            page = open_page(context, f"{url}/?view=lecture")
            draw_digit(page, 7)
            view = "[data-testid='stBidiComponentIsolated'] .lv-root"
            page.locator(f"{view} .lv-digit").wait_for(timeout=20_000)
            page.locator(f"{view} section[data-layer=conv1] canvas").click(position={"x": 4, "y": 4})
            page.locator(f"{view} .lv-thumb canvas").first.wait_for(timeout=60_000)  # found once, in the background
            page.wait_for_timeout(1000)
            seconds = []
            for number in range(clicks):
                row, column = 8 + number % 10, 6 + (number * 7) % 14
                seconds.append(page.evaluate(_CLICK_TO_SHOWN, ["big", row, column]) / 1000)
            print(
                f"Chromium, click on conv1's enlarged map -> that unit's digits shown: {spread_ms(seconds)}  "
                f"target <= 50 ms"
            )
            again = []
            for number in range(clicks):  # the same units again: their sheet pictures in the browser's memory
                row, column = 8 + number % 10, 6 + (number * 7) % 14
                again.append(page.evaluate(_CLICK_TO_SHOWN, ["big", row, column]) / 1000)
            print(f"Chromium, the same clicks again (their sheets already fetched): {spread_ms(again)}")
            firsts = []
            for layer in ("conv2", "pool1", "pool2", "conv3"):  # each channel 0's file fetched on this click
                firsts.append(page.evaluate(_CLICK_TO_SHOWN, ["grid", layer, 0]) / 1000)
                page.wait_for_timeout(300)
            print(f"Chromium, first click on another layer's channel (its file fetched): {spread_ms(firsts)}")
            dense = []
            for number in range(clicks):  # Dense(64) units: whole test digits, their files fetched on first use
                dense.append(page.evaluate(_CLICK_TO_SHOWN, ["unit", (number * 13) % 64, 0]) / 1000)
                page.wait_for_timeout(100)
            print(f"Chromium, click on a dense unit -> its digits shown: {spread_ms(dense)}  target <= 50 ms")
            outputs = []
            for digit in range(10):  # the ten outputs: the surest and least sure of each class
                outputs.append(page.evaluate(_CLICK_TO_SHOWN, ["prob", digit, 0]) / 1000)
                page.wait_for_timeout(100)
            print(f"Chromium, click on an output -> its surest and least sure digits: {spread_ms(outputs)}  <= 50 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clicks", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    arguments = parser.parse_args()
    precompute(arguments.repeats)
    if not arguments.no_browser:
        in_chromium(arguments.clicks)


if __name__ == "__main__":
    main()
