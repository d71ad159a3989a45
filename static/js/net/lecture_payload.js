// What the lecture view and the feature-map grids draw for one drawing, computed in the page
// from the network's outputs (network.js forward): the port of display/lecture.py, held to it by
// `node --test tests/js/` (fixtures written by tests/js_network_fixtures.py with the Python).
// The server sends only what belongs to the model (names, shapes, parameters, receptive fields:
// `meta`, display/lecture.py lecture_meta), once per run; everything per drawing is made here.
// Pure: no DOM.

import { roundHalfEven } from "./preprocess.js";

export const STRONGEST_INPUTS = 5; // per dense or softmax unit: the inputs that add the most to it

// (H, W, C) activations -> uint8 (C, H, W), each channel scaled by its own peak (a dead channel
// stays 0), and the peaks: every channel's pattern and its true strength.
export function quantise(values, [h, w, channels]) {
  const peaks = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = i % channels;
    if (values[i] > peaks[c]) peaks[c] = values[i];
  }
  const pixels = new Uint8Array(values.length);
  for (let c = 0; c < channels; c++) {
    const scale = peaks[c] > 1e-6 ? Math.fround(255 / peaks[c]) : 0; // numpy: float32
    for (let p = 0; p < h * w; p++) {
      const v = roundHalfEven(Math.fround(values[p * channels + c] * scale));
      pixels[c * h * w + p] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { pixels, peaks: Array.from(peaks) };
}

// For each channel of (H, W, C) values: where its strongest value is, as row * W + column (the
// first in reading order on a tie, like numpy's argmax).
export function strongestPositions(values, [h, w, channels]) {
  const best = new Array(channels).fill(0);
  for (let p = 1; p < h * w; p++) {
    for (let c = 0; c < channels; c++) if (values[p * channels + c] > values[best[c] * channels + c]) best[c] = p;
  }
  return best;
}

// For each output unit of a Dense layer: its `count` largest contributions input x weight, as
// [input index, contribution], largest first. inputs: (N,); kernel: (N, units) row-major.
export function strongestInputs(inputs, kernel, units, count = STRONGEST_INPUTS) {
  const tops = Array.from({ length: units }, () => []);
  for (let i = 0; i < inputs.length; i++) {
    const v = inputs[i];
    for (let u = 0; u < units; u++) {
      const contribution = Math.fround(v * kernel[i * units + u]);
      const top = tops[u];
      if (top.length === count && contribution <= top[count - 1][1]) continue;
      let at = top.length;
      while (at > 0 && top[at - 1][1] < contribution) at--;
      top.splice(at, 0, [i, contribution]);
      if (top.length > count) top.pop();
    }
  }
  return tops;
}

const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);

// meta: the model's part (display/lecture.py lecture_meta); network: readWeights' result;
// outputs: forward(network, image); image: the 28 x 28 input. Returns the lecture view's data,
// pixels decoded (what lecture_view.js used to decode from the server's base64).
export function lecturePayload(meta, network, outputs, image) {
  const byName = new Map(outputs.map((output) => [output.name, output]));
  const layers = meta.layers.map((entry) => {
    const { values } = byName.get(entry.name);
    const { pixels, peaks } = quantise(values, entry.shape);
    return { ...entry, pixels, peaks, strongest: strongestPositions(values, entry.shape) };
  });
  const probabilities = Array.from(outputs.at(-1).values);
  const payload = {
    inputPixels: Uint8Array.from(image, (v) => roundHalfEven(Math.min(1, Math.max(0, v)) * 255)),
    layers,
    probabilities,
    digit: argmax(probabilities),
    parameters: meta.parameters,
  };
  if (meta.dense && meta.output) {
    const at = outputs.findIndex((output) => output.name === meta.dense.name);
    const hidden = outputs[at].values, flat = outputs[at - 1].values; // Flatten keeps (row, column, channel)
    const kernelOf = (name) => network.layers.find((layer) => layer.name === name).kernel;
    const peak = Math.max(...hidden) || 1;
    payload.dense = {
      ...meta.dense,
      values: Array.from(hidden),
      scaled: Array.from(hidden, (v) => v / peak),
      inputs: strongestInputs(flat, kernelOf(meta.dense.name), hidden.length),
    };
    payload.output = { ...meta.output, inputs: strongestInputs(hidden, kernelOf(meta.output.name), probabilities.length) };
  }
  return payload;
}
