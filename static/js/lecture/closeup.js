// The close-up of one unit, as numbers (display/closeup.py computes them): for conv1 the input
// patch x kernel = products, summed, plus bias, ReLU; for conv2 and conv3 the strongest input
// channels' shares; for a pooling layer the window and its maximum. And the unit's test digits
// (lecture/unit_digits.js finds them), each crop cut from the test digits' sheets.

import { drawTestDigit } from "../among/sheets.js";
import { diverging } from "../lib/colour.js";
import { element } from "../lib/dom.js";

export const signed = (v) => (v >= 0 ? "+" : "") + v.toFixed(3);
const limitOf = (values) => Math.max(1e-6, ...values.flat().map(Math.abs));

function numberGrid(title, values, colour, ink) {
  const box = element("figure", "lv-numbers");
  box.append(element("figcaption", "", title));
  const table = element("table");
  for (const row of values) {
    const tr = element("tr");
    for (const v of row) {
      const td = element("td", "", v.toFixed(2));
      td.style.background = colour(v);
      if (ink) td.style.color = ink(v);
      tr.append(td);
    }
    table.append(tr);
  }
  box.append(table);
  return box;
}

function shares(c, redBlue) {
  const list = element("div", "lv-shares");
  const limit = limitOf(c.strongest.map((s) => s.share));
  for (const s of c.strongest) {
    const row = element("div", "lv-share");
    const bar = element("span", "lv-share-bar");
    bar.style.width = `${(Math.abs(s.share) / limit) * 100}%`;
    bar.style.background = diverging(redBlue, s.share, limit);
    const track = element("span", "lv-track");
    track.append(bar);
    row.append(element("span", "lv-d", `#${s.channel}`), track, element("span", "lv-p", signed(s.share)));
    row.title = `patch ${JSON.stringify(s.patch)} kernel ${JSON.stringify(s.kernel)}`;
    list.append(row);
  }
  const rest = element("div", "lv-share");
  rest.append(element("span", "lv-d", "rest"), element("span", "lv-track"), element("span", "lv-p", signed(c.others)));
  list.append(rest);
  return list;
}

// c: the close-up Python sent; redBlue: the diverging colour table.
export function closeupBlock(c, redBlue) {
  const block = element("div", "lv-closeup");
  if (c.kind === "pool") {
    const max = Math.max(1e-6, ...c.window.flat());
    block.append(numberGrid("Window of the layer before", c.window, (v) => `rgba(29,78,216,${(v / max) * 0.6})`));
    block.append(element("p", "lv-equation", `max of the window = ${c.maximum.toFixed(4)}, the value on screen.`));
    return block;
  }
  if (c.patch) {
    const grids = element("div", "lv-grids");
    const grey = (v) => `rgb(${255 - v * 200},${255 - v * 200},${255 - v * 200})`;
    const kernelLimit = limitOf(c.kernel), productLimit = limitOf(c.products);
    // White figures on the scale's dark ends, dark ones elsewhere: readable on a projector.
    const ink = (limit) => (v) => (Math.abs(v) > 0.6 * limit ? "#fff" : "#111");
    grids.append(
      numberGrid("input patch", c.patch, grey, (v) => (v > 0.5 ? "#fff" : "#111")),
      numberGrid("× kernel", c.kernel, (v) => diverging(redBlue, v, kernelLimit), ink(kernelLimit)),
      numberGrid("= products", c.products, (v) => diverging(redBlue, v, productLimit), ink(productLimit))
    );
    block.append(grids);
  } else {
    block.append(element("p", "lv-meta", `The kernel spans all ${c.inputChannels} input channels; the strongest shares (3x3 patch × kernel, summed):`));
    block.append(shares(c, redBlue));
  }
  block.append(
    element("p", "lv-equation", `sum ${signed(c.sum)} + bias ${signed(c.bias)} = ${signed(c.preActivation)}; ReLU keeps ${c.output.toFixed(4)}, the value on screen.`)
  );
  return block;
}

// What excites the chosen unit (display/unit_examples.py sends it), beside its enlarged map: the
// test digits it responds to most, each cropped around what the unit sees with its receptive field
// outlined and its activation written on it; for one of the ten digits, the test digits of that
// class the network is surest and least sure of. e.message: why there are none (yet).
export function examplesBlock(e) {
  const block = element("div", "lv-examples");
  block.dataset.unit = [e.layer, e.channel, e.row ?? "", e.column ?? ""].join("/"); // which unit's: for the bench
  if (e.message) {
    block.append(element("p", "lv-meta", e.message));
  } else if (e.kind === "class") {
    block.append(thumbs(e, e.most, `The ${e.channel}s it is surest of`, "probability"));
    block.append(thumbs(e, e.least, "…least sure of", "probability"));
  } else if (!e.examples.length) {
    block.append(element("p", "lv-meta", `It stays at 0 on all ${e.searched.toLocaleString("en")} test digits.`));
  } else {
    // One short line: the panel has no height to spare on a 720-pixel projector.
    const few = e.examples.length < 9 ? " (all it fires on)" : "";
    block.append(thumbs(e, e.examples, `Top ${e.examples.length} of ${e.searched.toLocaleString("en")} test digits${few}`, "activation"));
  }
  return block;
}

function thumbs(e, list, title, quantity) {
  const box = element("figure", "lv-thumbs-box");
  box.append(element("figcaption", "lv-thumbs-title", title));
  const grid = element("div", "lv-thumbs");
  const [, , size] = e.crop;
  for (const x of list) {
    const tile = element("div", "lv-thumb");
    // The crop, cut from the test digits' sheet pictures (among/sheets.js), at its own pixels.
    const picture = element("canvas");
    picture.width = picture.height = size;
    picture.setAttribute("role", "img");
    picture.setAttribute("aria-label", `a ${x.digit} (test digit ${x.index}), ${quantity} ${x.activation.toFixed(3)}`);
    picture.title = picture.getAttribute("aria-label");
    drawTestDigit(picture, e.sheets.folder, e.sheets.layout, x.index, e.crop).then(() => (picture.dataset.drawn = "1"), console.warn);
    tile.append(picture);
    if (e.field) {
      // The receptive field inside the crop, in percent of it (the crop is drawn at any size).
      const [top, left, extent] = e.field.map((v) => `${(v / size) * 100}%`);
      const outline = element("span", "lv-field");
      Object.assign(outline.style, { top, left, width: extent, height: extent });
      tile.append(outline);
    }
    const words = element("span", "lv-thumb-caption", x.activation.toFixed(2));
    words.setAttribute("aria-hidden", "true"); // the picture's alt says it
    tile.append(words);
    grid.append(tile);
  }
  box.append(grid);
  return box;
}

// conv1's kernel as a small picture under its map: red adds where the input has ink, blue takes away.
export function filterPicture(kernel, redBlue) {
  const box = element("figure", "lv-filter-box");
  const grid = element("div", "lv-filter");
  grid.setAttribute("role", "img");
  grid.setAttribute("aria-label", `The unit's 3x3 filter, row by row: ${kernel.map((row) => row.map((v) => v.toFixed(2)).join(", ")).join("; ")}`);
  const limit = limitOf(kernel);
  for (const v of kernel.flat()) {
    const cell = element("span");
    cell.style.background = diverging(redBlue, v, limit);
    grid.append(cell);
  }
  box.append(grid, element("figcaption", "lv-thumbs-title", "its filter (red +, blue −)"));
  return box;
}
