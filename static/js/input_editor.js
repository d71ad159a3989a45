// The network's input, editable: paint and erase single pixels of the 28 x 28 image the network
// receives (mouse, touch, keyboard) and watch the answer, the ten probabilities, every Conv2D
// layer's maps and the hidden Dense layer change at once. The page runs the network itself on
// the edited input (net/network.js, the same one as the live reading: held to the server's by
// tests), so an edit costs no round trip; the server is not told of it.
//
// Data from ui/among_class.py, every run: { weights, input (the server's 28 x 28 input, base64
// float32: the editing starts from it, and again whenever it changes), layers: [{ name, shape }]
// (the Conv2D layers shown), dense (the hidden Dense layer's name), palette (viridis, 256 x 3) }.

import { bytes } from "./lib/bytes.js";
import { GREY } from "./lib/colour.js";
import { digitBars, element, paintMaps, paintTile, showBars } from "./lib/dom.js";
import { gridLayout, tileOrigin } from "./lib/grid.js";
import { SIDE, applyTool, changedPixels, flipTool, keyAction, moveCursor, pixelAt } from "./among/pixel_edit.js";
import { quantise } from "./net/lecture_payload.js";
import { forward } from "./net/network.js";
import { network, retryWeights, serverInput } from "./live/reader.js";
import { newestCleanup } from "./lib/cleanup.js";

const SCALE = 10; // the editor's canvas pixels per input pixel
const FRAME = { columns: 16, gap: 2, label: 0 }; // the small grids: no labels, 16 maps a row
const TILES = { 26: 26, 24: 24, 11: 22, 5: 15, 3: 12 }; // a map's side -> its tile (whole multiples)
const views = new WeakMap();

function build(root) {
  const editor = element("canvas", "ie-editor");
  editor.width = editor.height = SIDE * SCALE;
  editor.tabIndex = 0;
  editor.setAttribute("role", "application");
  editor.setAttribute(
    "aria-label",
    "The network's 28 by 28 input. Arrow keys move the cursor, Space flips the pixel under it, P paints, E erases.",
  );
  const tools = element("div", "ie-tools");
  tools.setAttribute("role", "group");
  tools.setAttribute("aria-label", "Tool");
  const paint = element("button", "ie-tool", "Paint");
  const erase = element("button", "ie-tool", "Erase");
  const reset = element("button", "ie-reset", "Back to the drawing");
  const changed = element("span", "ie-changed");
  tools.append(paint, erase, reset, changed);
  const left = element("div", "ie-left");
  left.append(editor, tools);

  const answer = element("p", "ie-answer");
  answer.setAttribute("aria-live", "polite");
  const ten = digitBars("ie");
  const bars = ten.bars;
  bars.setAttribute("role", "img");
  bars.setAttribute("aria-label", "The ten probabilities for the edited input");
  const layers = element("div", "ie-layers");
  const readout = element("div", "ie-readout");
  readout.append(answer, bars);
  const frame = element("div", "ie"); // on a phone: the answer first, in sight of the finger painting
  frame.append(readout, left, layers);
  root.replaceChildren(frame);
  return { editor, paint, erase, reset, changed, answer, bars, ten, layers };
}

// One small labelled grid per layer, built again when the layers change (a retrain).
function layerGrids(parts, layers, dense) {
  const grids = layers.map((layer) => {
    const [h, , channels] = layer.shape;
    const layout = gridLayout(layer.shape, FRAME, TILES[h] || h);
    const canvas = element("canvas", "ie-grid");
    canvas.width = layout.width;
    canvas.height = layout.height;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${layer.name}: its ${channels} feature maps of the edited input`);
    const figure = element("figure", "ie-layer");
    figure.append(element("figcaption", "", `${layer.name} · ${channels} maps ${h}x${layer.shape[1]}`), canvas);
    return { layer, layout, canvas, figure };
  });
  const strip = element("canvas", "ie-grid");
  strip.width = 64 * 6 + 2;
  strip.height = 10;
  strip.setAttribute("role", "img");
  strip.setAttribute("aria-label", `${dense}: its 64 units for the edited input`);
  const figure = element("figure", "ie-layer");
  figure.append(element("figcaption", "", `${dense} · 64 units`), strip);
  parts.layers.replaceChildren(...grids.map((g) => g.figure), figure);
  return { grids, strip };
}

function mount(root, forget) {
  const parts = build(root);
  const view = { parts, data: {}, image: null, original: null, tool: "paint", cursor: { row: 14, column: 14 }, drawing: false };
  const setTool = (tool) => {
    view.tool = tool;
    parts.paint.setAttribute("aria-pressed", String(tool === "paint"));
    parts.erase.setAttribute("aria-pressed", String(tool === "erase"));
  };
  setTool("paint");

  const drawEditor = () => {
    const ctx = parts.editor.getContext("2d");
    const pixels = Uint8Array.from(view.image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    paintTile(ctx, pixels, 0, SIDE, SIDE, 0, 0, SIDE * SCALE, GREY);
    ctx.strokeStyle = "rgba(120, 120, 120, 0.35)"; // the pixel grid: each square one pixel
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 1; i < SIDE; i++) {
      ctx.moveTo(i * SCALE + 0.5, 0);
      ctx.lineTo(i * SCALE + 0.5, SIDE * SCALE);
      ctx.moveTo(0, i * SCALE + 0.5);
      ctx.lineTo(SIDE * SCALE, i * SCALE + 0.5);
    }
    ctx.stroke();
    if (document.activeElement === parts.editor || root.getRootNode().activeElement === parts.editor) {
      ctx.strokeStyle = "#f59e0b"; // the keyboard's cursor
      ctx.lineWidth = 2;
      ctx.strokeRect(view.cursor.column * SCALE + 1, view.cursor.row * SCALE + 1, SCALE - 2, SCALE - 2);
    }
  };

  // The network on the edited input: everything right of the editor.
  view.read = () => {
    if (!view.image || !view.net) return;
    const started = performance.now();
    drawEditor();
    const outputs = forward(view.net, view.image);
    const byName = new Map(outputs.map((o) => [o.name, o]));
    for (const { layer, layout, canvas } of view.shown.grids) {
      const output = byName.get(layer.name);
      if (!output) continue;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      const { pixels } = quantise(output.values, layer.shape);
      paintMaps(ctx, pixels, layer.shape, (c) => tileOrigin(layout, FRAME, c), layout.tile, view.palette);
    }
    const hidden = byName.get(view.data.dense);
    if (hidden) {
      const ctx = view.shown.strip.getContext("2d");
      const { pixels } = quantise(hidden.values, [1, 1, hidden.values.length]);
      paintMaps(ctx, pixels, [1, 1, hidden.values.length], (c) => ({ x: 1 + c * 6, y: 1 }), 5, view.palette);
    }
    const p = Array.from(outputs.at(-1).values);
    const digit = p.indexOf(Math.max(...p));
    parts.answer.replaceChildren("Reads ", element("strong", "", String(digit)), ` (${Math.round(p[digit] * 100)}%)`);
    showBars(parts.ten, p, digit);
    parts.bars.setAttribute("aria-label", `Probabilities: ${p.map((v, i) => `${i}: ${Math.round(v * 100)}%`).join(", ")}`);
    const count = changedPixels(view.image, view.original);
    parts.changed.textContent = count ? `${count} pixel${count === 1 ? "" : "s"} changed` : "as drawn";
    root.dataset.digit = String(digit); // read by the tests
    root.dataset.probabilities = JSON.stringify(p);
    root.dataset.changed = String(count);
    root.dataset.image = btoa(String.fromCharCode(...new Uint8Array(view.image.buffer))); // float32, for the tests
    root.dataset.state = "ready";
    root.dataset.milliseconds = (performance.now() - started).toFixed(2); // an edit read and drawn: bench/among_page.py
  };

  const edit = (where, tool) => {
    if (where && applyTool(view.image, where, tool)) view.read();
  };
  const at = (event) => {
    const box = parts.editor.getBoundingClientRect();
    const scale = box.width / SIDE;
    return pixelAt(event.clientX - box.left, event.clientY - box.top, scale);
  };
  const down = (event) => {
    if (!view.image) return;
    view.drawing = true;
    parts.editor.setPointerCapture?.(event.pointerId);
    const where = at(event);
    if (where) view.cursor = where;
    edit(where, view.tool);
  };
  const move = (event) => view.drawing && edit(at(event), view.tool);
  const up = () => (view.drawing = false);
  const key = (event) => {
    const action = keyAction(event.key);
    if (!action || !view.image) return;
    event.preventDefault(); // the arrows would scroll the page
    if (action.move) view.cursor = moveCursor(view.cursor, action.move);
    if (action.tool) setTool(action.tool);
    if (action.flip) edit(view.cursor, flipTool(view.image, view.cursor));
    drawEditor();
  };
  parts.editor.addEventListener("pointerdown", down);
  parts.editor.addEventListener("pointermove", move);
  parts.editor.addEventListener("pointerup", up);
  parts.editor.addEventListener("pointercancel", up);
  parts.editor.addEventListener("keydown", key);
  parts.editor.addEventListener("focus", drawEditor);
  parts.editor.addEventListener("blur", drawEditor);
  parts.paint.addEventListener("click", () => setTool("paint"));
  parts.erase.addEventListener("click", () => setTool("erase"));
  parts.reset.addEventListener("click", () => {
    if (!view.original) return;
    view.image = Float32Array.from(view.original);
    view.read();
  });
  view.unmount = forget;
  return view;
}

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector(".ie-root");
  let view = views.get(parentElement);
  if (!view) {
    view = mount(root, () => views.delete(parentElement));
    views.set(parentElement, view);
  }
  const old = view.data;
  view.data = data || {};
  const input = serverInput(view.data);
  if (!input) return newestCleanup(view, view.unmount);
  // A new drawing from the server starts the editing again; the same one keeps the edits.
  if (!view.original || old.input !== view.data.input) {
    view.original = input;
    view.image = Float32Array.from(input);
  }
  if (!view.shown || JSON.stringify(old.layers) !== JSON.stringify(view.data.layers)) {
    view.shown = layerGrids(view.parts, view.data.layers, view.data.dense);
  }
  view.palette = bytes(view.data.palette);
  retryWeights(view.data.weights);
  network(view.data.weights).then(
    (net) => {
      view.net = net;
      view.read();
    },
    (error) => {
      root.dataset.state = "failed";
      view.parts.answer.textContent = "This browser could not run the network, so the input cannot be edited here.";
      console.warn(error);
    },
  );
  return newestCleanup(view, view.unmount);
}
