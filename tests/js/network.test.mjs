// The browser's preprocessing and network (static/js/net/) against what the Python computes
// (tests/js_network_fixtures.py): the same status, crop box and shift, the same 28x28 input to
// 1e-4, every layer's output to 1e-4, the same digit.
import { test } from "node:test";
import assert from "node:assert/strict";

import { readWeights, forward } from "../../static/js/net/network.js";
import { median, preprocess, MESSAGES, roundHalfEven } from "../../static/js/net/preprocess.js";
import { canvasOf, fixture, floats, network, worst } from "./network_fixture.mjs";

test("the guards say what the server says, in the same words", () => {
  assert.deepEqual(MESSAGES, fixture.messages);
});

test("Python's round: halves to the even neighbour", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 0, 2, 3]);
});

for (const c of fixture.cases) {
  test(`preprocessing: ${c.name}`, () => {
    const result = preprocess(canvasOf(c), c.width, c.height);
    assert.equal(result.status, c.status);
    assert.equal(result.message, c.message);
    assert.deepEqual(result.cropBox, c.cropBox);
    if (c.status !== "ok") return assert.equal(result.image, null);
    assert.deepEqual(result.shift, c.shift);
    assert.ok(worst(result.image, floats(c.image)) < 1e-4, `input differs by ${worst(result.image, floats(c.image))}`);
  });
  if (c.status !== "ok") continue;
  test(`network: ${c.name} reads ${c.digit}`, () => {
    const outputs = forward(network, floats(c.image)); // Python's input: the layers alone are compared
    assert.deepEqual(outputs.map((o) => o.name), c.layers.map((l) => l.name));
    outputs.forEach((output, i) => {
      const expected = c.layers[i];
      assert.deepEqual(Array.from(output.shape), expected.shape, output.name);
      for (const [index, value] of expected.samples) {
        assert.ok(Math.abs(output.values[index] - value) < 1e-4, `${output.name}[${index}]: ${output.values[index]} != ${value}`);
      }
      const sum = output.values.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - expected.sum) < 1e-3 * Math.max(1, Math.abs(expected.sum)), `${output.name} sums to ${sum}`);
    });
    const probabilities = outputs.at(-1).values;
    assert.ok(worst(probabilities, c.probabilities) < 1e-5);
    assert.equal(probabilities.indexOf(Math.max(...probabilities)), c.digit);
  });
}

test("the border's median is numpy's: the middle value, or the mean of the two middle ones", () => {
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const length of [1, 2, 3, 10, 11, 12320]) {
    for (let round = 0; round < 20; round++) {
      const values = Float32Array.from({ length }, () => (random() < 0.5 ? 0 : Math.fround(random()))); // ties, as on a canvas
      const sorted = Float32Array.from(values).sort(), middle = length >> 1;
      const expected = length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
      assert.equal(median(values), expected, `length ${length}`);
    }
  }
});

test("a file that is not ours is refused", () => {
  assert.throws(() => readWeights(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]).buffer), /not a DLW1/);
});
