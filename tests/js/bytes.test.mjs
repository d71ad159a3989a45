// Base64 and quantised maps, decoded as Python encoded them (display/lecture.py quantise).
import assert from "node:assert/strict";
import { test } from "node:test";

import { bytes, channelOffset, mapPixels, mapValue } from "../../static/js/lib/bytes.js";
import { fixture, layer } from "./fixture.mjs";

test("base64 decodes to the bytes numpy decodes", () => {
  assert.deepEqual([...bytes(Buffer.from([0, 1, 127, 128, 254, 255]).toString("base64"))], [0, 1, 127, 128, 254, 255]);
  assert.equal(bytes(fixture.payload.input).length, 28 * 28);
  assert.equal(bytes(fixture.payload.palette).length, 256 * 3);
});

test("every layer's bytes hold C maps of H x W, channel after channel", () => {
  for (const entry of fixture.payload.layers) {
    const [h, w, channels] = entry.shape;
    assert.equal(mapPixels(entry).length, h * w * channels, entry.name);
    assert.equal(channelOffset(entry.shape, channels - 1), (channels - 1) * h * w);
    for (const [channel, row, column, byte] of fixture.decoded[entry.name]) {
      assert.equal(mapPixels(entry)[channelOffset(entry.shape, channel) + row * w + column], byte, `${entry.name} #${channel} (${row}, ${column})`);
    }
  }
});

test("a byte stands for the float value to within half a step of its channel's peak / 255", () => {
  let nonzero = 0;
  for (const [name, samples] of Object.entries(fixture.decoded)) {
    const entry = layer(name);
    for (const [channel, row, column, , value] of samples) {
      const step = entry.peaks[channel] / 255;
      assert.ok(Math.abs(mapValue(entry, channel, row, column) - value) <= step / 2 + 1e-4, `${name} #${channel} (${row}, ${column})`);
      if (value > 0) nonzero++;
    }
  }
  assert.ok(nonzero >= 5, "the samples must include some ink");
});

test("each channel's strongest unit decodes to byte 255", () => {
  for (const entry of fixture.payload.layers) {
    entry.peaks.forEach((peak, channel) => {
      if (peak === 0) return; // a dead channel stays black
      const [h, w] = entry.shape;
      assert.equal(mapPixels(entry)[channelOffset(entry.shape, channel) + entry.strongest[channel]], 255, `${entry.name} #${channel}`);
      assert.ok(entry.strongest[channel] < h * w);
    });
  }
});
