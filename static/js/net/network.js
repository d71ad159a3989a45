// The trained network, run in the page: the same layers as cnn/net/network.py, read from the
// weights file the server makes from the same .keras file (cnn/net/browser_weights.py).
// Pure functions over Float32Arrays, no DOM, so `node --test` runs them; every array is
// (H, W, C) row-major, like numpy, and kernels keep Keras' order: Conv2D (k, k, C, F), Dense (N, units).

import { simdEngine, simdSupported } from "./simd_kernels.js";

const HALF = halfTable();

// float16 bits -> float32 value, for all 65,536 patterns (Node 20 has no DataView.getFloat16).
function halfTable() {
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * fraction * 2 ** -24; // subnormal
    else if (exponent === 31) table[bits] = fraction ? NaN : sign * Infinity;
    else table[bits] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return table;
}

// ArrayBuffer of a DLW1 file -> { name, input, layers: [{ name, kind, shape, window, stride,
// activation, kernel?, bias? }] } with kernel and bias as Float32Arrays.
export function readWeights(buffer) {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== "DLW1") throw new Error("not a DLW1 weights file");
  const length = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const halves = new Uint16Array(buffer, 8 + length); // 4-byte aligned by the writer
  let offset = 0;
  const take = (shape) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = HALF[halves[offset + i]];
    offset += count;
    return values;
  };
  for (const layer of header.layers) {
    if (layer.kernel) {
      layer.kernelShape = layer.kernel;
      layer.kernel = take(layer.kernelShape);
      layer.bias = take(layer.bias);
      if (layer.kind === "Conv2D") layer.rows = filterRows(layer.kernel, layer.kernelShape[3]);
    }
  }
  if (offset !== halves.length) throw new Error(`weights file has ${halves.length - offset} values past its last array`);
  return header;
}

// Keras' (k, k, C, F) kernel as F rows of k*k*C weights, so each filter is one contiguous dot
// product with the window under it.
export function filterRows(kernel, filters) {
  const length = kernel.length / filters;
  const rows = new Float32Array(kernel.length);
  for (let i = 0; i < length; i++) for (let f = 0; f < filters; f++) rows[f * length + i] = kernel[i * filters + f];
  return rows;
}

// 'valid' convolution, stride 1, plus bias: (H, W, C) with F filter rows (filterRows) of k*k*C
// -> (H-k+1, W-k+1, F). Each window's non-zero inputs are gathered first (after a ReLU and a
// pooling more than half are zero), then eight filters at a time run over them: measured in
// Node, 1.6 ms for the whole pass against 2.9 ms for the plain loop nest (and 1.9 ms four at a time).
export function conv2d(input, [height, width, channels], rows, bias, size, filters) {
  const outHeight = height - size + 1, outWidth = width - size + 1, length = size * size * channels;
  const output = new Float32Array(outHeight * outWidth * filters);
  const values = new Float32Array(length), where = new Int32Array(length);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let count = 0;
      for (let dy = 0; dy < size; dy++) {
        for (let dx = 0; dx < size; dx++) {
          const inBase = ((y + dy) * width + (x + dx)) * channels, kBase = (dy * size + dx) * channels;
          for (let c = 0; c < channels; c++) {
            const v = input[inBase + c];
            if (v !== 0) {
              values[count] = v;
              where[count++] = kBase + c;
            }
          }
        }
      }
      const out = (y * outWidth + x) * filters;
      let f = 0;
      for (; f + 8 <= filters; f += 8) {
        const r0 = f * length, r1 = r0 + length, r2 = r1 + length, r3 = r2 + length;
        const r4 = r3 + length, r5 = r4 + length, r6 = r5 + length, r7 = r6 + length;
        let s0 = bias[f], s1 = bias[f + 1], s2 = bias[f + 2], s3 = bias[f + 3];
        let s4 = bias[f + 4], s5 = bias[f + 5], s6 = bias[f + 6], s7 = bias[f + 7];
        for (let j = 0; j < count; j++) {
          const v = values[j], i = where[j];
          s0 += v * rows[r0 + i];
          s1 += v * rows[r1 + i];
          s2 += v * rows[r2 + i];
          s3 += v * rows[r3 + i];
          s4 += v * rows[r4 + i];
          s5 += v * rows[r5 + i];
          s6 += v * rows[r6 + i];
          s7 += v * rows[r7 + i];
        }
        output[out + f] = s0;
        output[out + f + 1] = s1;
        output[out + f + 2] = s2;
        output[out + f + 3] = s3;
        output[out + f + 4] = s4;
        output[out + f + 5] = s5;
        output[out + f + 6] = s6;
        output[out + f + 7] = s7;
      }
      for (; f < filters; f++) {
        let s = bias[f];
        for (let j = 0; j < count; j++) s += values[j] * rows[f * length + where[j]];
        output[out + f] = s;
      }
    }
  }
  return output;
}

// Max over size x size windows, stride = size; a last partial window is dropped ('valid').
// Window by window (not row by row of the input, which took 75 us of a 0.3 ms pass in Node).
export function maxPool(input, [height, width, channels], size) {
  const rows = Math.floor(height / size), columns = Math.floor(width / size);
  const output = new Float32Array(rows * columns * channels).fill(-Infinity);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const outBase = (row * columns + column) * channels;
      for (let dy = 0; dy < size; dy++) {
        for (let dx = 0; dx < size; dx++) {
          const inBase = ((row * size + dy) * width + column * size + dx) * channels;
          for (let c = 0; c < channels; c++) {
            const v = input[inBase + c];
            if (v > output[outBase + c]) output[outBase + c] = v;
          }
        }
      }
    }
  }
  return output;
}

// (N,) x (N, units) + bias -> (units,)
export function dense(input, kernel, bias, units) {
  const sum = Float64Array.from(bias);
  for (let i = 0; i < input.length; i++) {
    const v = input[i];
    if (v === 0) continue;
    const k = i * units;
    for (let u = 0; u < units; u++) sum[u] += v * kernel[k + u];
  }
  return Float32Array.from(sum);
}

export function activate(values, activation) {
  if (activation === "relu") {
    for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
  } else if (activation === "softmax") {
    let peak = -Infinity, total = 0;
    for (const v of values) peak = Math.max(peak, v);
    const exps = Array.from(values, (v) => Math.exp(v - peak));
    for (const e of exps) total += e;
    exps.forEach((e, i) => (values[i] = e / total));
  }
  return values;
}

const engines = new WeakMap(); // network -> its WebAssembly convolutions, or null: the JS ones

// The convolutions and poolings in WebAssembly SIMD (simd_kernels.js: the pass ~4x faster) where
// the browser has it, made at the network's first forward pass; null where it has not, or where
// the page may not compile WebAssembly (a Content-Security-Policy without 'wasm-unsafe-eval').
export function engineFor(network, wasm = globalThis.WebAssembly) {
  const shared = wasm === globalThis.WebAssembly;
  if (shared && engines.has(network)) return engines.get(network);
  let engine = null;
  try {
    if (simdSupported(wasm)) engine = simdEngine(network, wasm);
  } catch (error) {
    console.warn("running the network in JS:", error);
  }
  if (shared) engines.set(network, engine);
  return engine;
}

// image: Float32Array of 28 * 28 in [0, 1] -> every layer's output, in order:
// [{ name, kind, shape, values }], the last one the ten probabilities.
// engine: engineFor(network) unless given (null: every layer in JS).
export function forward(network, image, engine = engineFor(network)) {
  let x = image, shape = network.input;
  const outputs = [];
  engine?.forget(); // what it holds from the last pass may have been changed since
  for (const layer of network.layers) {
    const fast = engine && engine.runs(layer, shape);
    if (layer.kind === "Conv2D" && fast) {
      x = engine.conv2d(x, shape, layer, layer.activation === "relu");
    } else if (layer.kind === "Conv2D") {
      x = activate(conv2d(x, shape, layer.rows, layer.bias, layer.window, layer.shape[2]), layer.activation);
    } else if (layer.kind === "MaxPooling2D" && fast) {
      x = engine.maxPool(x, shape, layer.window);
    } else if (layer.kind === "MaxPooling2D") {
      x = maxPool(x, shape, layer.window);
    } else if (layer.kind === "Dense") {
      x = activate(dense(x, layer.kernel, layer.bias, layer.shape[0]), layer.activation);
    } else if (layer.kind !== "Flatten") {
      throw new Error(`cannot run a ${layer.kind} layer`);
    } // Flatten: (H, W, C) row-major is already the flat order Keras uses
    shape = layer.shape;
    outputs.push({ name: layer.name, kind: layer.kind, shape, values: x });
  }
  return outputs;
}
