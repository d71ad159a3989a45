// The detailed view's grid (lib/grid.js) puts tiles where the server's grid code does.
import assert from "node:assert/strict";
import { test } from "node:test";

import { channelAt, gridLayout, tileOrigin } from "../../static/js/lib/grid.js";
import { fixture } from "./fixture.mjs";

const { frame, cases } = fixture.grid;

test("a grid is as big as Python's, its tiles as big", () => {
  for (const c of cases) {
    const layout = gridLayout(c.shape, frame, c.target);
    assert.deepEqual([layout.tile, layout.width, layout.height], [c.tile, c.width, c.height], JSON.stringify(c.shape));
  }
});

test("every tile sits where Python puts it, and a click on it finds it", () => {
  for (const c of cases) {
    const layout = gridLayout(c.shape, frame, c.target);
    for (const [channel, x, y] of c.origins) {
      assert.deepEqual(tileOrigin(layout, frame, channel), { x, y }, `${JSON.stringify(c.shape)} #${channel}`);
      assert.equal(channelAt(layout, frame, c.shape[2], x + 1, y + 1), channel);
      assert.equal(channelAt(layout, frame, c.shape[2], x + layout.tile - 1, y - frame.label + 1), channel); // its label
    }
    assert.equal(channelAt(layout, frame, c.shape[2], layout.width + 10, 10), -1);
  }
});
