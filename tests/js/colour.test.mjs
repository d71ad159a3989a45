// The colour scales against Python's (display/render.py colour_table, diverging_indices, colourise).
import assert from "node:assert/strict";
import { test } from "node:test";

import { bytes } from "../../static/js/lib/bytes.js";
import { GREY, css, diverging, divergingIndex, sequential, tableColour } from "../../static/js/lib/colour.js";
import { fixture } from "./fixture.mjs";

const { colours } = fixture;

test("the tables the page sends are matplotlib's, as Python builds them", () => {
  assert.deepEqual(bytes(fixture.payload.diverging), bytes(colours.redBlue));
  assert.deepEqual(bytes(fixture.payload.palette), bytes(colours.viridis));
});

test("the diverging scale gives Python's colour for every value and limit", () => {
  const table = bytes(colours.redBlue);
  for (const [v, limit, r, g, b] of colours.diverging) assert.equal(diverging(table, v, limit), css([r, g, b]), `${v} / ${limit}`);
  assert.equal(divergingIndex(0, 1), 128); // zero is white, in the middle
  assert.equal(divergingIndex(5, 0), 255); // no limit: never a division by zero
});

test("the sequential scale gives Python's colour for every value", () => {
  const table = bytes(colours.viridis);
  for (const [t, r, g, b] of colours.sequential) assert.equal(sequential(table, t), css([r, g, b]), `${t}`);
});

test("the grey ramp maps a byte to that grey", () => {
  assert.deepEqual(tableColour(GREY, 0), [0, 0, 0]);
  assert.deepEqual(tableColour(GREY, 200), [200, 200, 200]);
  assert.equal(GREY.length, 768);
});
