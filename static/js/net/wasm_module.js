// Just enough of the WebAssembly binary format to write our few kernels as listings in JS
// (static/js/net/simd_kernels.js): the page builds the bytes when it loads, so there is no
// compiled file to drift from its source and no assembler to install.
// Spec: https://webassembly.github.io/spec/core/binary/ (the SIMD opcodes are 0xfd + a LEB128 u32).

export const i32 = 0x7f, f32 = 0x7d, v128 = 0x7b;

const simd = (code) => [0xfd, ...unsigned(code)];
// memarg: log2 of the alignment hint, then the static byte offset
const memory = (code, align) => (offset = 0) => [...code, align, ...unsigned(offset)];

export const op = {
  block: [0x02, 0x40], // a block with no result
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  drop: [0x1a],
  br: (depth) => [0x0c, ...unsigned(depth)],
  brIf: (depth) => [0x0d, ...unsigned(depth)],
  get: (index) => [0x20, ...unsigned(index)],
  set: (index) => [0x21, ...unsigned(index)],
  tee: (index) => [0x22, ...unsigned(index)],
  i32: (value) => [0x41, ...signed(value)],
  f32: (value) => [0x43, ...new Uint8Array(Float32Array.of(value).buffer)],
  f32Load: memory([0x2a], 2),
  f32Ne: [0x5c],
  i32LtU: [0x49],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  v128Load: memory(simd(0x00), 2), // our arrays are 4-byte aligned, not 16
  v128Store: memory(simd(0x0b), 2),
  f32x4Splat: simd(0x13),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Max: simd(0xe9),
  f32x4Pmax: simd(0xeb),
};

export function unsigned(value) {
  const bytes = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    bytes.push(byte);
  } while (value);
  return bytes;
}

export function signed(value) {
  const bytes = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) return [...bytes, byte];
    bytes.push(byte | 0x80);
  }
}

const vector = (items) => [...unsigned(items.length), ...items.flat()];
const section = (id, content) => [id, ...unsigned(content.length), ...content];
const name = (text) => vector([...new TextEncoder().encode(text)]);

// functions: [{ name, params: [types], locals: [types], body: [bytes or byte arrays] }], all
// returning nothing, all exported, sharing one memory imported as env.memory.
export function moduleBytes(functions) {
  const types = functions.map((f) => [0x60, ...vector(f.params), 0]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]]; // memory, at least one page
  const exports = functions.map((f, index) => [...name(f.name), 0x00, ...unsigned(index)]);
  const codes = functions.map((f) => {
    const locals = vector(f.locals.map((type) => [1, type]));
    const body = [...locals, ...f.body.flat(Infinity), ...op.end];
    return [...unsigned(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions.map((_, index) => unsigned(index)))),
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}
