// The page's preprocessing (static/js/net/preprocess.js) in Node, per drawing, on the canvases the
// node tests use (tests/js/fixtures/network.json: MNIST digits placed on a 280 x 280 canvas as
// canvas_sim does): median and p90 of many runs, each step on its own. Node runs the same V8 as
// Chromium, unthrottled; bench/browser_network.py measures the page itself (also throttled 4x).
//
//     node bench/js_preprocess.mjs [--runs 300]

import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";

import { inkStrength, preprocess } from "../static/js/net/preprocess.js";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 300;
const fixture = JSON.parse(readFileSync(new URL("../tests/js/fixtures/network.json", import.meta.url), "utf8"));
const canvases = fixture.cases
  .filter((c) => c.status === "ok" && c.width === 280)
  .map((c) => ({ name: c.name, width: c.width, height: c.height, rgba: new Uint8ClampedArray(inflateSync(Buffer.from(c.canvas, "base64"))) }));

function timed(step) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const canvas = canvases[run % canvases.length];
    const started = performance.now();
    step(canvas);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return `median ${times[times.length >> 1].toFixed(3)} ms, p90 ${times[Math.floor(0.9 * (times.length - 1))].toFixed(3)} ms`;
}

for (let warm = 0; warm < 50; warm++) preprocess(canvases[0].rgba, 280, 280);
console.log(`preprocessing a 280 x 280 canvas, ${runs} runs over ${canvases.length} drawings (Node ${process.version})`);
console.log(`  ink step alone     ${timed((c) => inkStrength(c.rgba, c.width, c.height))}`);
console.log(`  whole preprocess   ${timed((c) => preprocess(c.rgba, c.width, c.height))}`);
