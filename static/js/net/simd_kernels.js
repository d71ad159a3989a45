// The convolutions and poolings in WebAssembly SIMD, four filters per f32x4 and sixteen per pass,
// for network.js: the JS conv2d spends most of a frame in conv2 (2.2M multiply-adds), and V8
// does not vectorise it (the whole pass in Chromium: 1.44 ms in JS, 0.38 ms so; 7.3 and 2.2 ms at
// 4x throttling). Keras' kernel order (k, k, C, F) already has the filters innermost, so a window's
// row of inputs (k * C values, contiguous in (H, W, C)) walks the kernel with a fixed stride: one
// input splat, four loads of sixteen filters' weights, four multiply-adds.
// Sums are float32 (the JS path sums in float64): the two agree to ~1e-6 on our images.
// Tried and dropped: 8, 32 or 64 filters per pass, no skipping of zero inputs, and two outputs
// per pass sharing each load of the weights: none faster in Node, the last 10% slower (fewer skips).
import { f32, i32, moduleBytes, op, v128 } from "./wasm_module.js";

const BLOCK = 16; // filters per pass: four f32x4 accumulators

// Parameters and locals by name -> the index the listing uses.
function frame(params, locals) {
  const names = [...params.map(([n]) => n), ...locals.map(([n]) => n)];
  const index = Object.fromEntries(names.map((n, i) => [n, i]));
  return { index, params: params.map(([, t]) => t), locals: locals.map(([, t]) => t) };
}

// conv(input, height, width, channels, kernel, bias, size, filters, output, relu): byte addresses;
// 'valid', stride 1, output (H-k+1, W-k+1, F) = bias + window . kernel, ReLU'd when relu != 0.
// filters must be a multiple of 16. Inputs that are zero (most of them, after a ReLU) are skipped.
function convFunction() {
  const p = ["input", "height", "width", "channels", "kernel", "bias", "size", "filters", "output", "relu"];
  const { index: $, params, locals } = frame(
    p.map((n) => [n, i32]),
    [
      ...["outHeight", "outWidth", "rowBytes", "step", "out", "y", "x", "block", "k", "dy", "at", "rowEnd"].map(
        (n) => [n, i32],
      ),
      ["v", f32],
      ...Array.from({ length: BLOCK / 4 }, (_, i) => [`a${i}`, v128]),
      ["vs", v128],
      ["zero", v128], // never written
    ],
  );
  const { get, set, tee } = op;
  const accumulators = Array.from({ length: BLOCK / 4 }, (_, i) => `a${i}`);
  const body = [
    // outHeight = height - size + 1, outWidth likewise; rowBytes = size * channels * 4; step = filters * 4
    get($.height), get($.size), op.i32Sub, op.i32(1), op.i32Add, set($.outHeight),
    get($.width), get($.size), op.i32Sub, op.i32(1), op.i32Add, set($.outWidth),
    get($.size), get($.channels), op.i32Mul, op.i32(4), op.i32Mul, set($.rowBytes),
    get($.filters), op.i32(4), op.i32Mul, set($.step),
    get($.output), set($.out),
    op.i32(0), set($.y),
    op.loop, // y
    op.i32(0), set($.x),
    op.loop, // x
    op.i32(0), set($.block),
    op.loop, // block of 16 filters, as a byte offset into the filter dimension
    ...accumulators.map((a, i) => [get($.bias), get($.block), op.i32Add, op.v128Load(16 * i), set($[a])]),
    get($.kernel), get($.block), op.i32Add, set($.k),
    op.i32(0), set($.dy),
    op.loop, // dy: the window's row y + dy, columns x .. x + size - 1, every channel
    // at = input + ((y + dy) * width + x) * channels * 4
    get($.input),
    get($.y), get($.dy), op.i32Add, get($.width), op.i32Mul, get($.x), op.i32Add,
    get($.channels), op.i32Mul, op.i32(4), op.i32Mul, op.i32Add,
    tee($.at), get($.rowBytes), op.i32Add, set($.rowEnd),
    op.loop, // along the row: one input value against sixteen filters' weights
    get($.at), op.f32Load(), tee($.v), op.f32(0), op.f32Ne,
    op.if,
    get($.v), op.f32x4Splat, set($.vs),
    ...accumulators.map((a, i) => [
      get($[a]), get($.vs), get($.k), op.v128Load(16 * i), op.f32x4Mul, op.f32x4Add, set($[a]),
    ]),
    op.end,
    get($.k), get($.step), op.i32Add, set($.k),
    get($.at), op.i32(4), op.i32Add, tee($.at), get($.rowEnd), op.i32LtU, op.brIf(0),
    op.end,
    get($.dy), op.i32(1), op.i32Add, tee($.dy), get($.size), op.i32LtU, op.brIf(0),
    op.end, // dy
    get($.relu),
    op.if,
    ...accumulators.map((a) => [get($[a]), get($.zero), op.f32x4Max, set($[a])]),
    op.end,
    ...accumulators.map((a, i) => [get($.out), get($.block), op.i32Add, get($[a]), op.v128Store(16 * i)]),
    get($.block), op.i32(4 * BLOCK), op.i32Add, tee($.block), get($.step), op.i32LtU, op.brIf(0),
    op.end, // block
    get($.out), get($.step), op.i32Add, set($.out),
    get($.x), op.i32(1), op.i32Add, tee($.x), get($.outWidth), op.i32LtU, op.brIf(0),
    op.end, // x
    get($.y), op.i32(1), op.i32Add, tee($.y), get($.outHeight), op.i32LtU, op.brIf(0),
    op.end, // y
  ];
  return { name: "conv", params, locals, body };
}

// pool(input, height, width, channels, size, output): max over size x size windows, stride size,
// a last partial window dropped. channels must be a multiple of 4. pmax(m, v) = m < v ? v : m,
// from -Infinity: the JS maxPool's `if (v > m) m = v`, a NaN skipped alike.
function poolFunction() {
  const p = ["input", "height", "width", "channels", "size", "output"];
  const { index: $, params, locals } = frame(
    p.map((n) => [n, i32]),
    [
      ...["rows", "columns", "pixel", "rowBytes", "out", "row", "column", "c", "dy", "dx", "at"].map((n) => [n, i32]),
      ["m", v128],
      ["lowest", v128],
    ],
  );
  const { get, set, tee } = op;
  const body = [
    get($.height), get($.size), op.i32DivU, set($.rows),
    get($.width), get($.size), op.i32DivU, set($.columns),
    get($.channels), op.i32(4), op.i32Mul, set($.pixel),
    get($.width), get($.pixel), op.i32Mul, set($.rowBytes),
    op.f32(-Infinity), op.f32x4Splat, set($.lowest),
    get($.output), set($.out),
    op.i32(0), set($.row),
    op.loop,
    op.i32(0), set($.column),
    op.loop,
    op.i32(0), set($.c),
    op.loop, // four channels at a time
    get($.lowest), set($.m),
    op.i32(0), set($.dy),
    op.loop,
    // at = input + (row * size + dy) * rowBytes + column * size * pixel + c
    get($.input),
    get($.row), get($.size), op.i32Mul, get($.dy), op.i32Add, get($.rowBytes), op.i32Mul, op.i32Add,
    get($.column), get($.size), op.i32Mul, get($.pixel), op.i32Mul, op.i32Add,
    get($.c), op.i32Add, set($.at),
    op.i32(0), set($.dx),
    op.loop,
    get($.m), get($.at), op.v128Load(), op.f32x4Pmax, set($.m),
    get($.at), get($.pixel), op.i32Add, set($.at),
    get($.dx), op.i32(1), op.i32Add, tee($.dx), get($.size), op.i32LtU, op.brIf(0),
    op.end,
    get($.dy), op.i32(1), op.i32Add, tee($.dy), get($.size), op.i32LtU, op.brIf(0),
    op.end,
    get($.out), get($.c), op.i32Add, get($.m), op.v128Store(),
    get($.c), op.i32(16), op.i32Add, tee($.c), get($.pixel), op.i32LtU, op.brIf(0),
    op.end,
    get($.out), get($.pixel), op.i32Add, set($.out),
    get($.column), op.i32(1), op.i32Add, tee($.column), get($.columns), op.i32LtU, op.brIf(0),
    op.end,
    get($.row), op.i32(1), op.i32Add, tee($.row), get($.rows), op.i32LtU, op.brIf(0),
    op.end,
  ];
  return { name: "pool", params, locals, body };
}

export const KERNELS = moduleBytes([convFunction(), poolFunction()]);

// The smallest module with a SIMD instruction: WebAssembly.validate says whether this browser
// runs SIMD (Chromium 91+, Safari 16.4+, Firefox 89+); where it does not we stay in JS.
const PROBE = moduleBytes([{ name: "probe", params: [], locals: [], body: [op.f32(0), op.f32x4Splat, op.drop] }]);

export function simdSupported(wasm = globalThis.WebAssembly) {
  try {
    return Boolean(wasm && typeof wasm.validate === "function" && wasm.validate(PROBE));
  } catch {
    return false;
  }
}

// WebAssembly namespace -> the Module, compiled once (synchronously: it is a few hundred bytes)
const compiled = new WeakMap();

const size = (shape) => shape.reduce((a, b) => a * b, 1);

// One instance per network, with its own memory: the conv kernels copied in once, then two
// regions taking turns as a layer's input and output. A layer's output is copied out for the
// caller (tens of KB, microseconds); when the next layer is given that same array it reads it
// where it still lies in memory, so the image is the only thing copied in.
export function simdEngine(network, wasm = globalThis.WebAssembly) {
  if (!compiled.has(wasm)) compiled.set(wasm, new wasm.Module(KERNELS));
  let bytes = 0;
  const reserve = (floats) => ((bytes += floats * 4), bytes - floats * 4);
  const placed = new Map();
  for (const layer of network.layers) {
    if (layer.kind !== "Conv2D") continue;
    placed.set(layer, { kernel: reserve(layer.kernel.length), bias: reserve(layer.bias.length) });
  }
  const largest = Math.max(size(network.input), ...network.layers.map((l) => size(l.shape)));
  const regions = [reserve(largest), reserve(largest)];
  const memory = new wasm.Memory({ initial: Math.ceil(bytes / 65536) });
  const kernels = new wasm.Instance(compiled.get(wasm), { env: { memory } }).exports;
  const floats = new Float32Array(memory.buffer);
  for (const [layer, at] of placed) {
    floats.set(layer.kernel, at.kernel / 4);
    floats.set(layer.bias, at.bias / 4);
  }
  let last = null, lastAt = -1; // the array last handed out, and where it still lies

  function run(values, kernel, count) {
    let from = lastAt;
    if (values !== last) {
      from = regions[0];
      floats.set(values, from / 4);
    }
    const to = from === regions[0] ? regions[1] : regions[0];
    kernel(from, to);
    last = floats.slice(to / 4, to / 4 + count);
    lastAt = to;
    return last;
  }

  return {
    // the next layer's input is copied in, even if it is the array last handed out
    forget() {
      last = null;
    },
    // which layers it runs: a conv of a multiple of 16 filters, ReLU'd or linear (another
    // activation would change its output in JS, behind the copy in memory); a pool of a
    // multiple of 4 channels
    runs(layer, [, , channels]) {
      if (layer.kind === "Conv2D") {
        const linear = !layer.activation || layer.activation === "linear";
        return layer.shape[2] % BLOCK === 0 && (linear || layer.activation === "relu");
      }
      return layer.kind === "MaxPooling2D" && channels % 4 === 0;
    },
    // network.js conv2d's contract, the ReLU fused when relu is true
    conv2d(values, [height, width, channels], layer, relu) {
      const at = placed.get(layer), window = layer.window, filters = layer.shape[2];
      const count = (height - window + 1) * (width - window + 1) * filters;
      return run(values, (from, to) => {
        kernels.conv(from, height, width, channels, at.kernel, at.bias, window, filters, to, relu ? 1 : 0);
      }, count);
    },
    // network.js maxPool's contract
    maxPool(values, [height, width, channels], window) {
      const count = Math.floor(height / window) * Math.floor(width / window) * channels;
      return run(values, (from, to) => kernels.pool(from, height, width, channels, window, to), count);
    },
  };
}
