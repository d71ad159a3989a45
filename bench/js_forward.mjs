// The page's forward pass (static/js/net/network.js) in Node: milliseconds per forward, the
// convolutions in JS against WebAssembly SIMD, on the test fixtures' images and weights.
//
//     node bench/js_forward.mjs [--rounds 40] [--per-round 25]
//
// Each round runs every fixture image per-round times through each path (interleaved, so a busy
// machine slows both alike); the figure is the median over rounds of the mean per forward.
// Issue 21's phone budget is measured in Chromium (bench/browser_network.py); this is the quick loop.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { engineFor, forward, readWeights } from "../static/js/net/network.js";

const { values: options } = parseArgs({
  options: { rounds: { type: "string", default: "40" }, "per-round": { type: "string", default: "25" } },
});
const rounds = Number(options.rounds), perRound = Number(options["per-round"]);

const fixtures = new URL("../tests/js/fixtures/", import.meta.url);
const file = readFileSync(new URL("convnet.dlw", fixtures));
const network = readWeights(file.buffer.slice(file.byteOffset, file.byteOffset + file.length));
const cases = JSON.parse(readFileSync(new URL("network.json", fixtures), "utf8")).cases;
const images = cases
  .filter((c) => c.status === "ok")
  .map((c) => {
    const raw = Buffer.from(c.image, "base64");
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  });

const engine = engineFor(network);
if (!engine) throw new Error("this Node has no WebAssembly SIMD: nothing to compare");
const paths = { js: null, wasm: engine };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b), middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function timeRound(path) {
  const start = performance.now();
  for (let i = 0; i < perRound; i++) for (const image of images) forward(network, image, path);
  return (performance.now() - start) / (perRound * images.length);
}

const times = { js: [], wasm: [] };
for (const path of Object.keys(paths)) timeRound(paths[path]); // warm up: let V8 optimise both
for (let round = 0; round < rounds; round++) {
  for (const path of Object.keys(paths)) times[path].push(timeRound(paths[path]));
}

const js = median(times.js), wasm = median(times.wasm);
console.log(`forward pass, Node ${process.version}, ${images.length} fixture images, median of ${rounds} rounds`);
console.log(`  convolutions in JS            ${js.toFixed(3)} ms`);
console.log(`  convolutions in WASM SIMD     ${wasm.toFixed(3)} ms`);
console.log(`  JS / WASM                     ${(js / wasm).toFixed(2)}x`);
