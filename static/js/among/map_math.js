// The map of the test digits in the page (display/digit_map.py map_file is what the server
// publishes, once per model version): where a drawing's 64 hidden activations land on it, as the
// server's DigitMap.place and MapFrame.pixel do, and which test digit is under the pointer.
// Pure: node's tests import it (tests/js/digit_map.test.mjs, against numbers from Python).

import { bytes } from "../lib/bytes.js";

// The published JSON -> the same with its arrays decoded: xs, ys (pixels, Float32Array),
// labels, predicted (Uint8Array).
export function readMap(file) {
  const raw = bytes(file.points);
  const steps = new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2);
  const xs = new Float32Array(file.count);
  const ys = new Float32Array(file.count);
  for (let i = 0; i < file.count; i++) {
    xs[i] = steps[2 * i] / file.pointSteps;
    ys[i] = steps[2 * i + 1] / file.pointSteps;
  }
  return { ...file, xs, ys, labels: bytes(file.labels), predicted: bytes(file.predicted) };
}

// The hidden Dense layer's activations (any array-like of 64) -> [x, y] in the map picture's
// pixels, unrounded: map = dense . matrix - offset, then the frame (the map's y points up).
export function placeOnMap(map, dense) {
  let u = -map.offset[0];
  let v = -map.offset[1];
  for (let i = 0; i < map.matrix.length; i++) {
    u += dense[i] * map.matrix[i][0];
    v += dense[i] * map.matrix[i][1];
  }
  const { left, top, scale } = map.frame;
  return [(u - left) * scale, (top - v) * scale];
}

// The test digit whose point is nearest (x, y), within `radius` pixels, or -1: the one the
// pointer is over. Ties go to the lower index, as numpy's argmin does.
export function pointUnder(map, x, y, radius) {
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < map.count; i++) {
    const dx = map.xs[i] - x;
    const dy = map.ys[i] - y;
    const distance = dx * dx + dy * dy;
    if (distance <= radius * radius && distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

// Where test digit `index` is: which sheet picture, and its 28 x 28 square's top-left in it.
export function sheetCell(map, index) {
  const { digits, columns } = map.sheet;
  const place = index % digits;
  return { sheet: Math.floor(index / digits), x: (place % columns) * 28, y: Math.floor(place / columns) * 28 };
}
