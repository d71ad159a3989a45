// The close-up of one unit, as numbers (display/closeup.py computes them): for conv1 the input
// patch x kernel = products, summed, plus bias, ReLU; for conv2 and conv3 the strongest input
// channels' shares; for a pooling layer the window and its maximum.

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
