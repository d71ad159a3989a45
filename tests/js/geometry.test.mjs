// Receptive boxes, strongest units and Flatten's order against what Python found on the real model.
import assert from "node:assert/strict";
import { test } from "node:test";

import { flattenedUnit, receptiveBox, strongestUnit } from "../../static/js/lib/geometry.js";
import { fixture, layer } from "./fixture.mjs";

test("every layer's receptive box is the input square that perturbing pixels found", () => {
  const names = Object.keys(fixture.boxes);
  assert.deepEqual(names.sort(), fixture.payload.layers.map((l) => l.name).sort());
  for (const name of names) {
    for (const [row, column, top, left, size] of fixture.boxes[name]) {
      assert.deepEqual(receptiveBox(layer(name), row, column), { top, left, size }, `${name} (${row}, ${column})`);
    }
  }
});

test("a position outside the map has no receptive box", () => {
  const conv3 = layer("conv3");
  assert.throws(() => receptiveBox(conv3, 3, 0), /outside conv3's 3 x 3 map/);
  assert.throws(() => receptiveBox(conv3, 0, -1), RangeError);
});

test("the strongest unit of every channel is where Python's strongest_point is", () => {
  for (const [name, points] of Object.entries(fixture.strongest)) {
    assert.equal(points.length, layer(name).shape[2]);
    points.forEach(([row, column], channel) => assert.deepEqual(strongestUnit(layer(name), channel), { row, column }, `${name} #${channel}`));
  }
});

test("a dense unit's flattened input maps back to the channel and position numpy says", () => {
  const last = fixture.payload.layers.at(-1);
  assert.ok(fixture.flattened.length > 10);
  for (const [index, channel, row, column] of fixture.flattened) {
    assert.deepEqual(flattenedUnit(index, last.shape), { channel, row, column }, `input ${index}`);
  }
});
