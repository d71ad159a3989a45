// The lecture view's layout for the real model's layers, at projector sizes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { GAP, channelAt, chooseLayout, fixedWidth, gridSize, inputSize, tileOrigin } from "../../static/js/lecture/layout.js";
import { fixture } from "./fixture.mjs";

const layers = fixture.payload.layers;
const width = (layout, fixed) => fixed + layout.grids.reduce((sum, g) => sum + gridSize(g.columns, layout.tile) + 12, 0);

for (const [screenWidth, screenHeight] of [[1280, 720], [1920, 1080], [1366, 768]]) {
  test(`at ${screenWidth} x ${screenHeight} the grids fit, with the biggest tiles that do`, () => {
    const available = screenHeight - 220;
    const fixed = fixedWidth(inputSize(available), true);
    const layout = chooseLayout(layers, screenWidth, available, fixed);
    assert.ok(width(layout, fixed) <= screenWidth);
    layout.grids.forEach((grid, i) => {
      assert.ok(grid.columns * grid.rows >= layers[i].shape[2], `${layers[i].name} holds every channel`);
      assert.ok(gridSize(grid.rows, layout.tile) <= available, `${layers[i].name} fits the height`);
    });
    const bigger = chooseLayout(layers, screenWidth, available, fixed);
    assert.equal(bigger.tile, layout.tile);
    if (layout.tile < 72) {
      // one pixel more per tile would not fit: recompute that layout by hand
      const tile = layout.tile + 1, rows = Math.max(1, Math.floor((available + GAP) / (tile + GAP)));
      const total = fixed + layers.reduce((sum, l) => sum + gridSize(Math.ceil(l.shape[2] / rows), tile) + 12, 0);
      assert.ok(total > screenWidth);
    }
  });
}

test("too narrow a window falls back to the smallest tiles, still holding every channel", () => {
  const layout = chooseLayout(layers, 300, 400, 200);
  assert.equal(layout.tile, 10);
  layout.grids.forEach((grid, i) => assert.ok(grid.columns * grid.rows >= layers[i].shape[2]));
});

test("the input is a whole multiple of 28 pixels, 84 to 168", () => {
  assert.equal(inputSize(100), 84);
  assert.equal(inputSize(600), 140);
  assert.equal(inputSize(5000), 168);
});

test("a click inside a tile finds that tile's channel", () => {
  const grid = { columns: 4, rows: 8 };
  for (const c of [0, 3, 4, 31]) {
    const { x, y } = tileOrigin(grid, 20, c);
    assert.equal(channelAt(grid, 20, 32, x + 19, y + 19), c);
  }
  assert.equal(channelAt(grid, 20, 30, tileOrigin(grid, 20, 31).x + 1, tileOrigin(grid, 20, 31).y + 1), -1);
});
