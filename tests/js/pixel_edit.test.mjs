// Editing the input pixel by pixel (static/js/among/pixel_edit.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { SIDE, applyTool, changedPixels, flipTool, keyAction, moveCursor, pixelAt } from "../../static/js/among/pixel_edit.js";

test("a point of the editor's canvas is the pixel under it, and off the image none", () => {
  assert.deepEqual(pixelAt(0, 0, 10), { row: 0, column: 0 });
  assert.deepEqual(pixelAt(279.9, 15, 10), { row: 1, column: 27 });
  assert.deepEqual(pixelAt(35, 271, 10), { row: 27, column: 3 });
  assert.equal(pixelAt(280, 5, 10), null);
  assert.equal(pixelAt(-0.1, 5, 10), null);
});

test("paint writes full ink, erase the background, and saying so only when something changed", () => {
  const image = new Float32Array(SIDE * SIDE);
  image[SIDE + 2] = 0.4;
  assert.equal(applyTool(image, { row: 1, column: 2 }, "paint"), true);
  assert.equal(image[SIDE + 2], 1);
  assert.equal(applyTool(image, { row: 1, column: 2 }, "paint"), false);
  assert.equal(applyTool(image, { row: 1, column: 2 }, "erase"), true);
  assert.equal(image[SIDE + 2], 0);
  assert.equal(changedPixels(image, new Float32Array(SIDE * SIDE)), 0);
  image[5] = 1;
  assert.equal(changedPixels(image, new Float32Array(SIDE * SIDE)), 1);
});

test("the keyboard moves the cursor inside the image and flips the pixel under it", () => {
  assert.deepEqual(moveCursor({ row: 0, column: 0 }, keyAction("ArrowUp").move), { row: 0, column: 0 });
  assert.deepEqual(moveCursor({ row: 0, column: 27 }, keyAction("ArrowRight").move), { row: 0, column: 27 });
  assert.deepEqual(moveCursor({ row: 3, column: 4 }, keyAction("ArrowDown").move), { row: 4, column: 4 });
  assert.deepEqual(moveCursor({ row: 3, column: 4 }, keyAction("ArrowLeft").move), { row: 3, column: 3 });
  assert.equal(keyAction(" ").flip, true);
  assert.equal(keyAction("Enter").flip, true);
  assert.equal(keyAction("e").tool, "erase");
  assert.equal(keyAction("P").tool, "paint");
  assert.equal(keyAction("x"), null);
  const image = new Float32Array(SIDE * SIDE);
  image[0] = 0.8;
  assert.equal(flipTool(image, { row: 0, column: 0 }), "erase");
  assert.equal(flipTool(image, { row: 0, column: 1 }), "paint");
});
