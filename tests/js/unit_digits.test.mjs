// The test digits that excite a unit, found in the page (static/js/lecture/unit_digits.js), against
// what Python makes of the same search (tests/js_fixtures.py unit_digits_fixtures): the server's
// files decode to the blocks display/unit_examples.py makes, and every layer's crop is Python's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { NONE, classBlock, cropOf, readUnitFile, unitBlock } from "../../static/js/lecture/unit_digits.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/unit_digits.json", import.meta.url), "utf8"));

function file(name) {
  const bytes = Buffer.from(fixture.files[name], "base64");
  return readUnitFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

test("every layer's crop and receptive field is the one Python cuts", () => {
  assert.ok(fixture.crops.length >= 20);
  for (const { layer, row, column, crop, field } of fixture.crops) {
    assert.deepEqual(cropOf(fixture.layers[layer], row, column), { crop, field }, `${layer} (${row}, ${column})`);
  }
});

test("a unit's block from the server's file is Python's block for it", () => {
  for (const { layer, unit, block } of fixture.blocks) {
    const [channel, row, column] = unit;
    const made = layer === "probabilities"
      ? classBlock(file("classes.bin"), layer, channel, fixture.searched)
      : unitBlock(file(`${layer}-${channel}.bin`), fixture.layers[layer], channel, row, column, fixture.searched);
    assert.deepEqual(made, block, `${layer} ${unit}`);
  }
});

test("a file holds nine digits a unit, strongest first, and says where there is none", () => {
  const { values, indices, labels } = file("conv2-5.bin");
  assert.equal(values.length, 11 * 11 * 9);
  assert.equal(indices.length, values.length);
  for (let p = 0; p < 121; p++) for (let i = 1; i < 9; i++) assert.ok(values[p * 9 + i] <= values[p * 9 + i - 1]);
  assert.ok(labels.every((d) => d <= 9));
  const classes = file("classes.bin");
  assert.equal(classes.values.length, 10 * 2 * 9);
  assert.ok(Array.from(classes.indices).every((i) => i === NONE || i < fixture.searched));
});
