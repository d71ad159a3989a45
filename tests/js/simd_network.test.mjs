// The convolutions and poolings in WebAssembly SIMD (static/js/net/simd_kernels.js) against the
// JS ones in network.js: every layer the same to 1e-5 on the fixture images, and on a network of
// shapes the SIMD kernels do not take (so some layers run in JS between them); the JS path where
// a browser has no SIMD or may not compile WebAssembly.
import { test } from "node:test";
import assert from "node:assert/strict";

import { engineFor, filterRows, forward } from "../../static/js/net/network.js";
import { KERNELS, simdSupported } from "../../static/js/net/simd_kernels.js";
import { fixture, floats, network, worst } from "./network_fixture.mjs";

const images = fixture.cases.filter((c) => c.status === "ok").map((c) => [c.name, floats(c.image)]);

function assertSameLayers(simd, js) {
  assert.deepEqual(simd.map((o) => o.name), js.map((o) => o.name));
  simd.forEach((output, i) => {
    assert.deepEqual(output.shape, js[i].shape, output.name);
    assert.equal(output.values.length, js[i].values.length, output.name);
    const difference = worst(output.values, js[i].values);
    assert.ok(difference < 1e-5, `${output.name} differs by ${difference}`);
  });
}

test("this Node runs WebAssembly SIMD, so the comparisons below compare two paths", () => {
  assert.ok(simdSupported());
  assert.ok(engineFor(network));
  assert.equal(engineFor(network), engineFor(network), "one engine per network");
});

for (const [name, image] of images) {
  test(`SIMD and JS give the same layers: ${name}`, () => {
    assertSameLayers(forward(network, image, engineFor(network)), forward(network, image, null));
  });
}

test("forward takes the SIMD path by itself; an output its caller changes does not leak into the next pass", () => {
  const [, image] = images[0];
  const first = forward(network, image);
  const expected = forward(network, image, engineFor(network)).map((o) => Float32Array.from(o.values));
  first.forEach((o) => o.values.fill(7)); // a caller drawing into what it was handed
  const again = forward(network, image);
  again.forEach((o, i) => assert.deepEqual(o.values, expected[i], o.name));
  const js = forward(network, image, null);
  assert.ok(worst(first.at(-1).values, js.at(-1).values) > 1, "the first pass's arrays are the caller's");
});

// A small network with random weights: a conv of 3 filters and a pool of 3 channels stay in JS,
// a conv of 16 filters over those 3 channels and a pool of 16 run in SIMD, a tanh conv in JS.
function randomNetwork() {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  const conv = (name, channels, filters, height, activation) => {
    const kernel = Float32Array.from({ length: 9 * channels * filters }, random);
    const bias = Float32Array.from({ length: filters }, random);
    const rows = filterRows(kernel, filters);
    return { name, kind: "Conv2D", shape: [height, height, filters], window: 3, activation, kernel, bias, rows };
  };
  const pool = (name, height, channels) => ({
    name,
    kind: "MaxPooling2D",
    shape: [height, height, channels],
    window: 2,
  });
  return {
    input: [16, 16, 1],
    layers: [
      conv("three", 1, 3, 14, "relu"),
      pool("pool3", 7, 3),
      conv("sixteen", 3, 16, 5, null),
      pool("pool16", 2, 16),
      { name: "flatten", kind: "Flatten", shape: [64] },
    ],
  };
}

test("shapes the SIMD kernels do not take run in JS, between layers they do take", () => {
  const small = randomNetwork();
  const engine = engineFor(small);
  assert.deepEqual(
    small.layers.map((l, i) => engine.runs(l, i ? small.layers[i - 1].shape : small.input)),
    [false, false, true, true, false],
  );
  const tanh = { ...small.layers[2], name: "tanh", activation: "tanh" };
  assert.equal(engine.runs(tanh, [7, 7, 3]), false, "an activation other than ReLU is applied in JS");
  let seed = 3;
  const next = () => (seed = (seed * 48271) % 2147483647);
  const image = Float32Array.from({ length: 256 }, () => (next() % 3 ? 0 : seed / 2147483647)); // two in three zero
  assertSameLayers(forward(small, image, engine), forward(small, image, null));
});

test("a browser without WebAssembly SIMD, or without WebAssembly, gets the JS path", () => {
  // WebAssembly's members are not enumerable: a stand-in names the ones we use
  const { Module, Instance, Memory } = WebAssembly;
  const withoutSimd = { Module, Instance, Memory, validate: (b) => !b.includes(0xfd) && WebAssembly.validate(b) };
  assert.equal(simdSupported(withoutSimd), false, "the probe is a SIMD module");
  assert.equal(engineFor(network, withoutSimd), null);
  assert.equal(engineFor(network, null), null);
  assert.ok(WebAssembly.validate(KERNELS) && !withoutSimd.validate(KERNELS), "the kernels need SIMD too");
  const [, image] = images[0];
  assertSameLayers(forward(network, image, engineFor(network, withoutSimd)), forward(network, image, null));
});

test("a page that may not compile WebAssembly (CSP) gets the JS path", (t) => {
  const { validate, Instance, Memory } = WebAssembly;
  const refused = {
    validate,
    Instance,
    Memory,
    Module: function () {
      throw new WebAssembly.CompileError("Refused to compile: 'wasm-unsafe-eval' is not allowed");
    },
  };
  const warned = t.mock.method(console, "warn", () => {});
  assert.ok(simdSupported(refused), "it validates; it may not compile");
  assert.equal(engineFor(network, refused), null);
  assert.equal(warned.mock.callCount(), 1, "it says why it runs in JS");
});
