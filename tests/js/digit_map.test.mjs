// The map in the page (static/js/among/map_math.js) against the numbers Python computes
// (tests/js_fixtures.py digit_map_fixtures): the map file decodes to the server's points, a
// drawing's hidden activations land where the server places them, the point under the pointer
// is the one brute force finds, and a test digit is found on its sheet picture.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { placeOnMap, pointUnder, readMap, sheetCell } from "../../static/js/among/map_math.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/digit_map.json", import.meta.url), "utf8"));
const map = readMap(fixture.map);

test("the map file decodes to every test digit's point, label and reading", () => {
  assert.equal(map.xs.length, fixture.map.count);
  assert.equal(map.labels.length, fixture.map.count);
  assert.equal(map.predicted.length, fixture.map.count);
  for (const i of [0, 1, fixture.map.count - 1]) {
    assert.ok(map.xs[i] >= 0 && map.xs[i] <= map.size && map.ys[i] >= 0 && map.ys[i] <= map.size, `point ${i}`);
    assert.ok(map.labels[i] <= 9 && map.predicted[i] <= 9);
  }
});

test("a drawing's hidden activations land where the server places them", () => {
  for (const { dense, pixel } of fixture.placed) {
    const [x, y] = placeOnMap(map, dense);
    assert.ok(Math.abs(x - pixel[0]) < 1e-6 && Math.abs(y - pixel[1]) < 1e-6, `${[x, y]} vs ${pixel}`);
  }
});

test("a test digit's own activations land on its own stored point", () => {
  const [x, y] = placeOnMap(map, fixture.placed[0].dense);
  assert.ok(Math.abs(x - map.xs[0]) <= 0.005 + 1e-6 && Math.abs(y - map.ys[0]) <= 0.005 + 1e-6);
});

test("the point under the pointer is the nearest within the radius, or none", () => {
  assert.ok(fixture.pointers.some((p) => p.index === -1) && fixture.pointers.some((p) => p.index >= 0));
  for (const { x, y, radius, index } of fixture.pointers) assert.equal(pointUnder(map, x, y, radius), index, `${x}, ${y}`);
});

test("a test digit is found on its sheet picture, ten to a row", () => {
  for (const cell of fixture.cells) {
    assert.deepEqual(sheetCell(map, cell.index), { sheet: cell.sheet, x: cell.x, y: cell.y }, `digit ${cell.index}`);
  }
});
