// Draws the network as one row of columns, in the order the data flows: the input (the chosen
// unit's receptive field outlined), every layer's maps, the dense strip and the ten outputs.
// It draws what the payload and lecture/layout.js say; it computes nothing about the network.

import { mapPixels } from "../lib/bytes.js";
import { GREY, sequential } from "../lib/colour.js";
import { canvasPoint, element, focusButton, onActivate, paintMaps, paintTile } from "../lib/dom.js";
import { flattenedUnit, receptiveBox } from "../lib/geometry.js";
import { signed } from "./closeup.js";
import { DENSE_WIDTH, OUTPUT_WIDTH, channelAt, gridSize, tileOrigin } from "./layout.js";

const CHOSEN = "#ff3b30", FEEDS = "#ff9500";
const count = (n) => n.toLocaleString("en");

function column(net, name, meta, title, width) {
  const section = element("section", "lv-col");
  if (width) section.style.width = `${width}px`; // labels wrap inside the column, never widen it
  section.dataset.layer = name;
  const heading = element("h4", "lv-name", name);
  if (title) heading.title = title;
  section.append(heading, element("div", "lv-meta", meta));
  net.append(section);
  return section;
}

function smallButton(text, focusKey, action, pressed) {
  const node = focusButton("lv-button lv-small", text, focusKey, action);
  if (pressed !== undefined) node.setAttribute("aria-pressed", String(pressed));
  return node;
}

// editing: lecture_view.js's { on, tool, cursor, changed, start(), setTool(tool), stop() }.
function inputColumn(net, data, size, box, editing) {
  const section = column(net, "input", "28 x 28 x 1", "The 28 x 28 picture the network receives", size);
  const canvas = element("canvas", "lv-input");
  canvas.width = canvas.height = size;
  canvas.setAttribute("role", editing.on ? "application" : "img");
  const ctx = canvas.getContext("2d");
  paintTile(ctx, data.inputPixels, 0, 28, 28, 0, 0, size, GREY);
  const scale = size / 28;
  let label = "The 28 x 28 input the network receives";
  if (box) {
    ctx.strokeStyle = CHOSEN;
    ctx.lineWidth = 2;
    ctx.strokeRect(box.left * scale + 1, box.top * scale + 1, box.size * scale - 2, box.size * scale - 2);
    label += `, the chosen unit's ${box.size} x ${box.size} receptive field outlined`;
  }
  section.append(canvas);
  if (editing.on) {
    // Edited in place: lecture_view.js listens for the pointer and the keys on its root.
    canvas.classList.add("lv-editing");
    canvas.tabIndex = 0;
    canvas.dataset.focus = "input";
    const { row, column: col } = editing.cursor;
    ctx.strokeStyle = "#f59e0b"; // the keyboard's cursor
    ctx.lineWidth = 2;
    ctx.strokeRect(col * scale + 1, row * scale + 1, scale - 2, scale - 2);
    label = `The network's input, being edited (${editing.tool}): drag to ${editing.tool}; arrow keys move the cursor, Space flips a pixel, P paints, E erases`;
    const tools = element("div", "lv-edit-tools");
    tools.setAttribute("role", "group");
    tools.setAttribute("aria-label", "Editing the input");
    tools.append(
      smallButton("Paint", "edit-paint", () => editing.setTool("paint"), editing.tool === "paint"),
      smallButton("Erase", "edit-erase", () => editing.setTool("erase"), editing.tool === "erase"),
      smallButton("Back to the drawing", "edit-stop", editing.stop),
    );
    const changed = editing.changed;
    section.append(tools, element("div", "lv-meta lv-edited", changed ? `${changed} pixel${changed === 1 ? "" : "s"} changed: every layer reads the edited input` : "Drag over the input to paint"));
  } else if (data.image) {
    section.append(smallButton("Edit pixels", "edit-start", editing.start));
  }
  canvas.setAttribute("aria-label", label);
}

// One layer's maps as a grid of tiles; a click (or Enter, arrows to move) opens a channel.
function layerColumn(net, layer, grid, tile, palette, chosen, open) {
  const [h, w, channels] = layer.shape;
  const width = gridSize(grid.columns, tile);
  const section = column(net, layer.name, `${h} x ${w} x ${channels} · ${count(layer.parameters)} params`, layer.kind, width);
  const canvas = element("canvas", "lv-grid");
  canvas.width = width;
  canvas.height = gridSize(grid.rows, tile);
  canvas.tabIndex = 0;
  canvas.dataset.focus = `grid:${layer.name}`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${layer.name}: ${channels} feature maps of ${h} x ${w}; click one, or press Enter, to open it (arrow keys choose)`);
  const ctx = canvas.getContext("2d");
  const pixels = mapPixels(layer);
  paintMaps(ctx, pixels, layer.shape, (c) => tileOrigin(grid, tile, c), tile, palette);
  const outline = (c, colour) => {
    const { x, y } = tileOrigin(grid, tile, c);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.strokeRect(x - 1, y - 1, tile + 2, tile + 2);
  };
  if (chosen !== null) outline(chosen, CHOSEN);
  canvas.onclick = (event) => {
    const { x, y } = canvasPoint(canvas, event);
    const c = channelAt(grid, tile, channels, x, y);
    if (c >= 0) open(layer.name, c);
  };
  onActivate(canvas, () => open(layer.name, chosen ?? 0));
  canvas.addEventListener("keydown", (event) => {
    const move = { ArrowRight: 1, ArrowDown: grid.columns, ArrowLeft: -1, ArrowUp: -grid.columns }[event.key];
    if (move === undefined) return;
    event.preventDefault();
    open(layer.name, Math.max(0, Math.min(channels - 1, (chosen ?? 0) + move)));
  });
  section.append(canvas);
  return outline;
}

// The hidden dense layer as a strip of cells; hovering, tapping or focusing one says what feeds it.
function denseColumn(net, data, palette, available, last, outlineLast, say, selected, open) {
  const dense = data.dense;
  const units = dense.values.length;
  const section = column(net, dense.name, `${units} · ${count(dense.parameters)} params`, "Dense + ReLU", DENSE_WIDTH);
  const strip = element("div", "lv-dense");
  strip.setAttribute("role", "list");
  strip.setAttribute("aria-label", `${dense.name}: ${units} units`);
  const cell = Math.max(4, Math.min(14, Math.floor(available / units)));
  const cells = dense.scaled.map((v, unit) => {
    const c = element("div", "lv-unit");
    c.style.height = `${cell - 1}px`;
    c.style.background = sequential(palette, v);
    c.title = `dense #${unit}: ${dense.values[unit].toFixed(3)}`;
    c.tabIndex = 0;
    c.setAttribute("role", "listitem");
    c.setAttribute("aria-label", c.title);
    const explain = () => {
      const parts = dense.inputs[unit].map(([index, contribution]) => {
        const from = flattenedUnit(index, last.shape);
        return `${last.name} #${from.channel} (row ${from.row}, column ${from.column}) ${signed(contribution)}`;
      });
      say(`dense #${unit} = ${dense.values[unit].toFixed(3)}; strongest inputs: ${parts.join(", ")}`);
      dense.inputs[unit].forEach(([index]) => outlineLast(flattenedUnit(index, last.shape).channel, FEEDS));
    };
    c.onmouseenter = c.onfocus = explain;
    // A click (or Enter) opens the unit: its test digits in the panel.
    c.onclick = () => {
      explain();
      open(dense.name, unit);
    };
    c.onkeydown = (event) => event.key === "Enter" && c.onclick();
    c.dataset.focus = `dense-${unit}`;
    if (selected && selected.layer === dense.name && selected.channel === unit) c.classList.add("lv-chosen");
    strip.append(c);
    return c;
  });
  section.append(strip);
  return cells;
}

// The ten outputs: the predicted digit big, every probability as a bar with its number.
function outputColumn(net, data, denseCells, say, selected, open) {
  const output = data.output;
  const section = column(net, output ? output.name : "softmax", `10 · ${output ? count(output.parameters) : ""} params`, "Dense + softmax", OUTPUT_WIDTH);
  const answer = element("div", "lv-answer");
  answer.append(element("span", "lv-answer-label", "reads"), element("span", "lv-digit", String(data.digit)));
  section.append(answer);
  const rows = element("div", "lv-probs");
  data.probabilities.forEach((p, digit) => {
    const row = element("div", "lv-prob" + (digit === data.digit ? " lv-best" : ""));
    const bar = element("span", "lv-bar");
    bar.style.width = `${Math.max(1, p * 100)}%`;
    const track = element("span", "lv-track");
    track.append(bar);
    row.append(element("span", "lv-d", String(digit)), track, element("span", "lv-p", `${Math.round(p * 100)}%`));
    if (output) {
      row.tabIndex = 0;
      const explain = () => {
        const parts = output.inputs[digit].map(([unit, contribution]) => `dense #${unit} ${signed(contribution)}`);
        say(`${digit}: ${(p * 100).toFixed(1)}%; strongest inputs: ${parts.join(", ")}`);
        denseCells.forEach((c) => c.classList.remove("lv-lit"));
        output.inputs[digit].forEach(([unit]) => denseCells[unit] && denseCells[unit].classList.add("lv-lit"));
      };
      row.onmouseenter = row.onfocus = explain;
      row.onclick = () => {
        explain();
        open(output.name, digit);
      };
      row.onkeydown = (event) => event.key === "Enter" && row.onclick();
      row.dataset.focus = `output-${digit}`;
      if (selected && selected.layer === output.name && selected.channel === digit) row.classList.add("lv-chosen");
    }
    rows.append(row);
  });
  section.append(rows);
}

// data: the payload (its input and maps decoded); sizes: {inputSize, available, layout};
// selected: the chosen unit or null; at: the position outlined (the animation's or the unit's);
// open(layer, channel): what a click on a map does; say(text): the status line; editing: the
// input's editing (inputColumn).
export function drawNetwork(data, sizes, selected, at, open, say, editing) {
  const net = element("div", "lv-net");
  const layers = data.layers;
  const chosenLayer = selected && layers.find((l) => l.name === selected.layer);
  inputColumn(net, data, sizes.inputSize, chosenLayer ? receptiveBox(chosenLayer, at.row, at.column) : null, editing);
  const outlines = layers.map((layer, index) => {
    const chosen = selected && selected.layer === layer.name ? selected.channel : null;
    return layerColumn(net, layer, sizes.layout.grids[index], sizes.layout.tile, data.paletteBytes, chosen, open);
  });
  const last = layers[layers.length - 1];
  const denseCells = data.dense ? denseColumn(net, data, data.paletteBytes, sizes.available, last, outlines[outlines.length - 1], say, selected, open) : [];
  outputColumn(net, data, denseCells, say, selected, open);
  net.append(element("div", "lv-total", `${count(data.parameters)} parameters in all`));
  return net;
}
