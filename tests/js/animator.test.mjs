// Play / Step: every position of the map once, in reading order, then the whole map again.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Animator, advance, frameInterval, shownPositions } from "../../static/js/lecture/animator.js";
import { fixture } from "./fixture.mjs";

test("stepping visits every position of each real layer's map in reading order, then stops", () => {
  for (const entry of fixture.payload.layers) {
    const [h, w] = entry.shape;
    let step = null;
    const seen = [];
    while ((step = advance(step, h, w))) seen.push([step.row, step.column]);
    assert.equal(seen.length, h * w, entry.name);
    assert.deepEqual(seen[0], [0, 0]);
    assert.deepEqual(seen[w], [1, 0]);
    assert.deepEqual(seen.at(-1), [h - 1, w - 1]);
  }
});

test("a step shows the positions up to it; no step shows the whole map", () => {
  assert.equal(shownPositions({ index: 5, row: 0, column: 4 }, 3, 3), 5);
  assert.equal(shownPositions(null, 3, 3), 9);
});

test("the whole map plays in about 2.4 s, no frame faster than 30 ms", () => {
  assert.equal(frameInterval(3, 3), 2400 / 9);
  assert.equal(frameInterval(26, 26), 30);
});

test("the animator steps, and a step past the end stops it and clears the step", () => {
  let frames = 0;
  const animator = new Animator(() => frames++);
  animator.stepOnce(1, 2);
  assert.deepEqual(animator.step, { index: 1, row: 0, column: 0 });
  animator.stepOnce(1, 2);
  animator.stepOnce(1, 2);
  assert.equal(animator.step, null);
  assert.equal(animator.playing, false);
  assert.equal(frames, 3);
});
