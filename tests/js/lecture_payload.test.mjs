// The page's lecture payload (static/js/net/lecture_payload.js) against display/lecture.py's, both
// made from the same network (float16 weights, as the browser receives them) on the same inputs
// (tests/js_network_fixtures.py): every map byte within 1 of the server's (the rounding of a
// product that lands on .5 can go either way in float32 against float64), the same peaks, the
// same strongest unit of every channel, the same strongest inputs of every dense and softmax unit.
import { test } from "node:test";
import assert from "node:assert/strict";

import { forward } from "../../static/js/net/network.js";
import { lecturePayload, quantise, strongestInputs, strongestPositions } from "../../static/js/net/lecture_payload.js";
import { fixture, floats, network } from "./network_fixture.mjs";

const decode = (b64) => new Uint8Array(Buffer.from(b64, "base64"));
const cases = fixture.cases.filter((c) => c.lecture);

test("the fixture holds lecture payloads to compare with", () => assert.ok(cases.length >= 3));

for (const c of cases) {
  test(`lecture payload: ${c.name}`, () => {
    const image = floats(c.image);
    const mine = lecturePayload(fixture.lectureMeta, network, forward(network, image), image);
    const theirs = c.lecture;
    assert.equal(mine.digit, theirs.digit);
    assert.equal(mine.parameters, theirs.parameters);
    assert.deepEqual(Array.from(mine.inputPixels), Array.from(decode(theirs.input)));
    mine.probabilities.forEach((p, i) => assert.ok(Math.abs(p - theirs.probabilities[i]) < 1e-4));
    assert.deepEqual(mine.layers.map((l) => l.name), theirs.layers.map((l) => l.name));
    mine.layers.forEach((layer, i) => {
      const expected = theirs.layers[i];
      for (const key of ["kind", "shape", "parameters", "receptiveField", "jump"]) assert.deepEqual(layer[key], expected[key], `${layer.name}.${key}`);
      const bytes = decode(expected.data);
      let off = 0;
      layer.pixels.forEach((v, j) => {
        assert.ok(Math.abs(v - bytes[j]) <= 1, `${layer.name} byte ${j}: ${v} != ${bytes[j]}`);
        off += v !== bytes[j];
      });
      assert.ok(off <= layer.pixels.length / 1000, `${layer.name}: ${off} bytes off by one`);
      layer.peaks.forEach((p, j) => assert.ok(Math.abs(p - expected.peaks[j]) < 1e-3, `${layer.name} peak ${j}`));
      assert.deepEqual(layer.strongest, expected.strongest, `${layer.name}: strongest units`);
    });
    for (const key of ["dense", "output"]) {
      assert.equal(mine[key].name, theirs[key].name);
      mine[key].inputs.forEach((top, unit) => {
        const expected = theirs[key].inputs[unit];
        top.forEach(([index, contribution], k) => {
          assert.ok(Math.abs(contribution - expected[k][1]) < 1e-3, `${key} #${unit} input ${k}: ${contribution} != ${expected[k][1]}`);
          if (contribution > 1e-3) assert.equal(index, expected[k][0], `${key} #${unit} input ${k}`);
        });
      });
    }
    mine.dense.values.forEach((v, i) => assert.ok(Math.abs(v - theirs.dense.values[i]) < 1e-3));
    mine.dense.scaled.forEach((v, i) => assert.ok(Math.abs(v - theirs.dense.scaled[i]) < 2e-3));
  });
}

test("quantise: each channel scaled by its own peak, a dead channel stays 0", () => {
  // (H, W, C) = (1, 2, 3): channel 0 peaks at 2, channel 1 at 10, channel 2 is dead.
  const { pixels, peaks } = quantise(Float32Array.from([1, 10, 0, 2, 5, 0]), [1, 2, 3]);
  assert.deepEqual(peaks, [2, 10, 0]);
  assert.deepEqual(Array.from(pixels), [128, 255, 255, 128, 0, 0]); // (C, H, W); 127.5 rounds to even
});

test("strongest positions: the first of equal values, in reading order", () => {
  assert.deepEqual(strongestPositions(Float32Array.from([0, 3, 2, 3, 2, 1]), [1, 3, 2]), [1, 0]);
});

test("strongest inputs: largest contributions first, at most five", () => {
  const inputs = Float32Array.from([1, 2, 0, 3, 1, 1, 1]);
  const kernel = Float32Array.from([1, 2, 3, 1, 1, 1, 1]); // one unit
  // contributions 1, 4, 0, 3, 1, 1, 1: the largest first, equal ones in input order
  assert.deepEqual(strongestInputs(inputs, kernel, 1), [[[1, 4], [3, 3], [0, 1], [4, 1], [5, 1]]]);
});
