// The test digits that excite a unit, found by the page itself from the files the server writes
// once per model version (cnn/serving/example_files.py: one per channel, fetched when the channel
// is first opened, then kept), so a click on a unit shows its digits with no round trip. The
// blocks it makes are the ones Python's display/unit_examples.py unit_examples_block makes,
// without the pictures: the panel cuts each crop from the test digits' sheet pictures.
// Pure, but for `unitDigits` (fetch): node's tests import it (tests/js/unit_digits.test.mjs).

import { fetchedOnce } from "../lib/fetched.js";

export const TOP = 9;
export const NONE = 0xffff;
const CONTEXT = 10; // as display/unit_examples.py: input pixels shown along each side of a crop, at least

// A file's bytes -> { values: Float32Array, indices: Uint16Array, labels: Uint8Array } of
// `count` numbers each (positions x TOP, or 10 x 2 x TOP for classes.bin).
export function readUnitFile(buffer) {
  const count = buffer.byteLength / 7;
  return {
    values: new Float32Array(buffer, 0, count),
    indices: new Uint16Array(buffer, count * 4, count),
    labels: new Uint8Array(buffer, count * 6, count),
  };
}

// display/unit_examples.py crop_of: [top, left, size] of the crop in the image and [top, left,
// size] of the receptive field inside it (null: the crop is the whole field). layer: the
// lecture view's entry (shape, jump, receptiveField); a Dense layer (no shape of 3) sees it all.
export function cropOf(layer, row, column) {
  if (!layer || !layer.shape || layer.shape.length !== 3 || layer.receptiveField >= 28) return { crop: [0, 0, 28], field: null };
  const field = layer.receptiveField, top = row * layer.jump, left = column * layer.jump;
  const size = Math.min(28, Math.max(CONTEXT, field + 4));
  const cropTop = Math.min(Math.max(0, top - Math.floor((size - field) / 2)), 28 - size);
  const cropLeft = Math.min(Math.max(0, left - Math.floor((size - field) / 2)), 28 - size);
  return { crop: [cropTop, cropLeft, size], field: [top - cropTop, left - cropLeft, field] };
}

const round4 = (v) => Math.round(v * 1e4) / 1e4;

function examplesAt(file, start, onlyFiring) {
  const list = [];
  for (let i = start; i < start + TOP; i++) {
    const index = file.indices[i];
    if (index === NONE || (onlyFiring && !(file.values[i] > 0))) continue;
    list.push({ index, digit: file.labels[i], activation: round4(file.values[i]) });
  }
  return list;
}

// The block for a unit of a map or of a Dense layer (unit `channel`; row and column 0), as
// unit_examples_block: only the digits the unit fires on (a unit that stays at 0 has ties).
export function unitBlock(file, layer, channel, row, column, searched) {
  const spatial = layer.shape && layer.shape.length === 3;
  const position = spatial ? row * layer.shape[1] + column : 0;
  const { crop, field } = cropOf(layer, row, column);
  return {
    layer: layer.name, channel, searched, crop, field,
    kind: spatial ? "map" : "dense",
    row: spatial ? row : 0, column: spatial ? column : 0,
    examples: examplesAt(file, position * TOP, true),
  };
}

// The ten outputs' block: the digits of class `channel` the network is surest and least sure of.
export function classBlock(file, layerName, channel, searched) {
  return {
    layer: layerName, channel, searched, crop: [0, 0, 28], field: null, kind: "class",
    most: examplesAt(file, (channel * 2) * TOP, false),
    least: examplesAt(file, (channel * 2 + 1) * TOP, false),
  };
}

const files = new Map(); // file URL -> Promise of its arrays

const fileAt = (url) => fetchedOnce(files, url, (response) => response.arrayBuffer().then(readUnitFile), "unit digits");

// source: the server's { folder, searched } (ui/unit_examples.py published_examples); layer: the
// lecture view's entry for a map or the hidden layer, or null for the outputs (outputName).
// Resolves to the block.
export function unitDigits(source, layer, outputName, selected) {
  const base = new URL(source.folder + "/", document.baseURI);
  if (!layer) return fileAt(new URL("classes.bin", base).href).then((f) => classBlock(f, outputName, selected.channel, source.searched));
  const url = new URL(`${layer.name}-${selected.channel}.bin`, base).href;
  return fileAt(url).then((f) => unitBlock(f, layer, selected.channel, selected.row ?? 0, selected.column ?? 0, source.searched));
}
