// The preprocessing kept between frames (static/js/net/preprocess_live.js) gives exactly what the
// whole picture's preprocessing gives (static/js/net/preprocess.js, itself held to Python), frame
// by frame while a pen draws: pens of several widths and colours, on the fixture's drawings and on
// empty paper, boxes that reach the border, a transparent pixel, a picture replaced.
import { test } from "node:test";
import assert from "node:assert/strict";

import { preprocess } from "../../static/js/net/preprocess.js";
import { LivePreprocess } from "../../static/js/net/preprocess_live.js";
import { canvasOf, fixture } from "./network_fixture.mjs";

const SIZE = 280;

function random(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function paper([r, g, b]) {
  const rgba = new Uint8ClampedArray(SIZE * SIZE * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set([r, g, b, 255], i);
  return rgba;
}

// A round pen dab at (cx, cy), its rim blended as anti-aliasing does; -> the box it changed.
function dab(rgba, cx, cy, radius, [r, g, b]) {
  const left = Math.max(0, Math.floor(cx - radius - 1)), right = Math.min(SIZE, Math.ceil(cx + radius + 1));
  const top = Math.max(0, Math.floor(cy - radius - 1)), bottom = Math.min(SIZE, Math.ceil(cy + radius + 1));
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const cover = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)));
      if (!cover) continue;
      const j = 4 * (y * SIZE + x);
      rgba[j] = Math.round(rgba[j] * (1 - cover) + r * cover);
      rgba[j + 1] = Math.round(rgba[j + 1] * (1 - cover) + g * cover);
      rgba[j + 2] = Math.round(rgba[j + 2] * (1 - cover) + b * cover);
    }
  }
  return [left, top, right, bottom];
}

const union = (a, b) => (a ? [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])] : b);

function assertSame(live, whole, where) {
  assert.equal(live.status, whole.status, where);
  assert.deepEqual(live.cropBox, whole.cropBox, where);
  assert.deepEqual(live.shift, whole.shift, where);
  if (whole.image === null) return assert.equal(live.image, null, where);
  // Bit for bit: the same float32 numbers, not merely close ones.
  assert.deepEqual(new Uint32Array(live.image.buffer), new Uint32Array(whole.image.buffer), where);
}

// A stroke wandering from (x, y), a few dabs per frame; every frame checked against the whole.
function drawAndCheck(live, rgba, { seed, radius, ink, frames, x = 140, y = 140, name }) {
  const next = random(seed);
  let checkedBoxes = 0;
  for (let frame = 0; frame < frames; frame++) {
    let changed = null;
    for (let k = 0; k < 3; k++) {
      x = Math.min(SIZE - 1, Math.max(0, x + (next() - 0.5) * 24));
      y = Math.min(SIZE - 1, Math.max(0, y + (next() - 0.5) * 24));
      changed = union(changed, dab(rgba, x, y, radius, ink));
    }
    assertSame(live.run(rgba, SIZE, SIZE, changed), preprocess(rgba, SIZE, SIZE), `${name}, frame ${frame}`);
    checkedBoxes++;
  }
  return checkedBoxes;
}

test("white pens on black paper, frame by frame: the same numbers as the whole picture", () => {
  for (const [seed, radius] of [[1, 11], [2, 4], [3, 20]]) {
    const live = new LivePreprocess(), rgba = paper([0, 0, 0]);
    assertSame(live.run(rgba, SIZE, SIZE, null), preprocess(rgba, SIZE, SIZE), "empty paper"); // blank, said the same
    drawAndCheck(live, rgba, { seed, radius, ink: [255, 255, 255], frames: 60, name: `pen ${radius}` });
  }
});

test("dark ink on light paper and grey ink (the strongest ink below 1): the same numbers", () => {
  for (const [paperColour, ink] of [[[255, 255, 255], [0, 0, 0]], [[0, 0, 0], [150, 120, 90]], [[230, 230, 240], [40, 60, 200]]]) {
    const live = new LivePreprocess(), rgba = paper(paperColour);
    live.run(rgba, SIZE, SIZE, null);
    drawAndCheck(live, rgba, { seed: 7, radius: 9, ink, frames: 40, name: `ink ${ink} on ${paperColour}` });
  }
});

test("more strokes on the fixture's drawings (MNIST digits placed on a canvas)", () => {
  for (const c of fixture.cases.filter((c) => c.width === SIZE && c.height === SIZE)) {
    const live = new LivePreprocess(), rgba = canvasOf(c);
    assertSame(live.run(rgba, SIZE, SIZE, null), preprocess(rgba, SIZE, SIZE), c.name);
    drawAndCheck(live, rgba, { seed: 11, radius: 10, ink: [255, 255, 255], frames: 15, name: c.name });
  }
});

test("a box reaching the border, a transparent pixel, a new picture: still the whole picture's numbers", () => {
  const live = new LivePreprocess(), rgba = paper([0, 0, 0]);
  live.run(rgba, SIZE, SIZE, null);
  drawAndCheck(live, rgba, { seed: 5, radius: 12, ink: [255, 255, 255], frames: 10, name: "middle" });
  // Ink on the border changes the paper's colour as the border's median sees it.
  drawAndCheck(live, rgba, { seed: 6, radius: 30, ink: [255, 255, 255], frames: 25, x: 5, y: 5, name: "at the border" });
  rgba[4 * (150 * SIZE + 150) + 3] = 0; // one transparent pixel: every step over every pixel
  assertSame(live.run(rgba, SIZE, SIZE, [150, 150, 151, 151]), preprocess(rgba, SIZE, SIZE), "transparent");
  rgba[4 * (150 * SIZE + 150) + 3] = 255;
  assertSame(live.run(rgba, SIZE, SIZE, [150, 150, 151, 151]), preprocess(rgba, SIZE, SIZE), "opaque again");
  const other = paper([0, 0, 0]);
  dab(other, 100, 100, 40, [255, 255, 255]);
  // Another buffer: what was kept is about another picture, whatever box is given.
  assertSame(live.run(other, SIZE, SIZE, [0, 0, 1, 1]), preprocess(other, SIZE, SIZE), "another picture");
});
