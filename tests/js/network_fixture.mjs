// The numbers tests/js_network_fixtures.py writes with the real Python (tests/test_browser_network.py
// keeps them up to date): drawings, what preprocessing and every layer make of them, and the
// weights file exactly as the page downloads it. Shared by the network's node tests.
import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";

import { readWeights } from "../../static/js/net/network.js";

const here = (name) => new URL(`./fixtures/${name}`, import.meta.url);
const file = readFileSync(here("convnet.dlw"));

export const fixture = JSON.parse(readFileSync(here("network.json"), "utf8"));
export const network = readWeights(file.buffer.slice(file.byteOffset, file.byteOffset + file.length));

// base64 of little-endian float32 (numpy's "<f4") -> Float32Array
export function floats(b64) {
  const raw = Buffer.from(b64, "base64");
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

export const canvasOf = (c) => new Uint8ClampedArray(inflateSync(Buffer.from(c.canvas, "base64")));
export const worst = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
