// The panel beside the network for the chosen unit: its map enlarged (click a position, or use
// the arrow keys), the receptive field in words, Play / Step / Whole map, the close-up, and the
// test digits that excite the unit most (the same for every drawing: shown during Play too).

import { drawTestDigit } from "../among/sheets.js";
import { channelOffset, mapPixels } from "../lib/bytes.js";
import { canvasPoint, element, focusButton, paintTile } from "../lib/dom.js";
import { receptiveBox } from "../lib/geometry.js";
import { shownPositions } from "./animator.js";
import { closeupBlock, examplesBlock, filterPicture } from "./closeup.js";

const BIG = 150;

const button = (text, focusKey, action) => focusButton("lv-button", text, focusKey, action);

// The chosen channel's map, filled in up to the animation's step, the position outlined.
function bigMap(layer, selected, at, step, palette, choose) {
  const [h, w] = layer.shape;
  const size = Math.floor(BIG / w) * w;
  const big = element("canvas", "lv-big");
  big.width = big.height = size;
  big.tabIndex = 0;
  big.dataset.focus = "big";
  big.setAttribute("role", "img");
  big.setAttribute("aria-label", `${layer.name} channel ${selected.channel}, enlarged; click a position or move with the arrow keys (row ${at.row}, column ${at.column})`);
  const ctx = big.getContext("2d");
  const offset = channelOffset(layer.shape, selected.channel);
  const pixels = mapPixels(layer);
  const shown = shownPositions(step, h, w);
  const masked = new Uint8Array(h * w);
  for (let i = 0; i < shown; i++) masked[i] = pixels[offset + i];
  paintTile(ctx, masked, 0, h, w, 0, 0, size, palette);
  const cell = size / w;
  ctx.strokeStyle = "#ff3b30";
  ctx.lineWidth = 2;
  ctx.strokeRect(at.column * cell + 1, at.row * cell + 1, cell - 2, cell - 2);
  big.onclick = (event) => {
    const { x, y } = canvasPoint(big, event);
    choose(Math.min(h - 1, Math.floor(y / cell)), Math.min(w - 1, Math.floor(x / cell)));
  };
  big.addEventListener("keydown", (event) => {
    const [dr, dc] = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key] || [];
    if (dr === undefined) return;
    event.preventDefault();
    choose(Math.max(0, Math.min(h - 1, selected.row + dr)), Math.max(0, Math.min(w - 1, selected.column + dc)));
  });
  return big;
}

// data: the payload; selected: {layer, channel, row, column}; animator: lecture/animator.js's;
// actions: {close(), choose(row, column), toggle(), step(), whole()}.
export function inspector(data, selected, animator, actions) {
  const layer = data.layers.find((l) => l.name === selected.layer);
  const at = animator.step || selected;
  const panel = element("aside", "lv-inspector");
  panel.setAttribute("aria-label", "The chosen unit");
  const close = button("×", "close", actions.close);
  close.className = "lv-close";
  close.title = "Close";
  close.setAttribute("aria-label", "Close the chosen unit");
  panel.append(close, element("h4", "lv-inspector-title", `${layer.name} · channel ${selected.channel}`));
  panel.append(element("div", "lv-meta", `${layer.kind}, strongest response ${layer.peaks[selected.channel].toFixed(3)}; click a position`));

  const pictures = element("div", "lv-pictures");
  const mapColumn = element("div", "lv-map-column");
  mapColumn.append(bigMap(layer, selected, at, animator.step, data.paletteBytes, actions.choose));
  pictures.append(mapColumn);
  // The unit's test digits, beside its map (the panel has no height to spare below on a projector).
  const e = data.examples;
  if (e && e.layer === selected.layer && e.channel === selected.channel && (e.message || (e.row === selected.row && e.column === selected.column))) {
    if (e.filter) mapColumn.append(filterPicture(e.filter, data.divergingBytes));
    pictures.append(examplesBlock(e));
  } else if (e) {
    pictures.append(element("p", "lv-meta lv-examples", "Finding the test digits that excite it…"));
  }
  panel.append(pictures);

  const box = receptiveBox(layer, at.row, at.column);
  const last = (start) => start + box.size - 1;
  panel.append(
    element("p", "lv-rf", `Row ${at.row}, column ${at.column} sees a ${box.size} x ${box.size} patch of the input: rows ${box.top}–${last(box.top)}, columns ${box.left}–${last(box.left)} (outlined on the input).`)
  );

  const controls = element("div", "lv-controls");
  controls.append(
    button(animator.playing ? "Pause" : "Play", "play", actions.toggle),
    button("Step", "step", actions.step),
    button("Whole map", "whole", actions.whole)
  );
  panel.append(controls);

  const c = data.closeup;
  const matches = c && c.layer === selected.layer && c.channel === selected.channel && c.row === selected.row && c.column === selected.column;
  const waiting = data.edited ? "The close-up is of the drawing as the server read it: Back to the drawing to see it." : "Computing the close-up…";
  if (!animator.step) panel.append(matches ? closeupBlock(c, data.divergingBytes) : element("p", "lv-meta", waiting));
  return panel;
}

function picture(summary) {
  const img = element("img", "lv-panel-picture");
  img.src = summary.picture;
  img.alt = summary.alt;
  return img;
}

// The hidden layer's panel: the drawing among the 10,000 test digits (extras.mapRoot: the map's
// element, kept by lecture_view.js and placed there from this drawing's 64 units), and under it
// the test digits nearest the drawing in those 64 numbers.
function mapSection(data, mapRoot) {
  const section = element("div", "lv-map-section");
  section.append(element("h5", "lv-section", "Your drawing among 10,000 test digits"));
  const m = data.map;
  if (mapRoot) {
    section.append(element("div", "lv-meta lv-note", "Each point a test digit, placed by these 64 units; the big dot is your drawing. Hover or tap one, or Tab to the map and use the arrows."));
    section.append(mapRoot);
  } else section.append(element("p", "lv-meta", m ? m.message || "Loading the map…" : "Loading the map…"));
  if (m && m.nearest && m.nearest.length) section.append(neighbours(m, data.edited));
  return section;
}

// The server's nearest test digits (ui/lecture_view.py _nearest), cut from the map's sheets. They
// are for the drawing the server last read: the dot above follows the pen and the edits, this
// list waits for the server (a stroke's end); with the input edited, it says whose it is.
function neighbours(m, edited) {
  const box = element("figure", "lv-thumbs-box lv-neighbours-box");
  const whose = edited ? " (the drawing as drawn, not as edited)" : "";
  box.append(element("figcaption", "lv-thumbs-title", `Nearest ${m.nearest.length} of the 10,000 to your drawing${whose}`));
  const row = element("div", "lv-neighbours");
  for (const { index, digit } of m.nearest) {
    const tile = element("div", "lv-thumb");
    const picture = element("canvas");
    picture.width = picture.height = 28;
    picture.setAttribute("role", "img");
    picture.setAttribute("aria-label", `a ${digit}, test digit #${index}`);
    picture.title = picture.getAttribute("aria-label");
    drawTestDigit(picture, m.sheets, m.sheet, index).then(() => (picture.dataset.drawn = "1"), console.warn);
    const words = element("span", "lv-thumb-caption", String(digit));
    words.setAttribute("aria-hidden", "true"); // the picture's label says it
    tile.append(picture, words);
    row.append(tile);
  }
  box.append(row);
  return box;
}

// The answer's output: which parts of the drawing the answer rests on (the server's occlusion map).
function occlusionSection(data) {
  const section = element("div", "lv-occlusion");
  const o = data.occlusion;
  if (!o) {
    section.append(element("p", "lv-meta", data.edited ? "What the answer rests on is the server's, for the drawing as drawn: Back to the drawing to see it." : "Finding what the answer rests on…"));
    return section;
  }
  section.append(element("h5", "lv-section", o.title), picture(o), element("div", "lv-meta", o.caption));
  return section;
}

// Another output: the smallest change that makes the networks read this digit, found when asked.
function flipSection(data, digit, extras) {
  const section = element("div", "lv-flip-section");
  section.append(element("h5", "lv-section", `The smallest change to a ${digit}`));
  const f = data.flip;
  if (data.edited) {
    section.append(element("p", "lv-meta", "Found by the server for the drawing as drawn: Back to the drawing to ask."));
  } else if (f && f.target === digit && f.results && f.current) {
    for (const result of f.results) {
      const block = element("div", "lv-flip"); // the picture beside its words: the panel has no height to spare
      const words = element("div", "lv-flip-words");
      words.append(element("div", "", result.verdict));
      if (result.picture) {
        words.append(element("div", "lv-meta", result.size));
        block.append(picture(result));
      }
      block.append(words);
      section.append(block);
    }
    section.append(element("div", "lv-meta", "Each: before · change (red: ink added, blue: taken away) · after."));
  } else {
    const ask = button(extras.asking ? "Finding it…" : `Find the smallest change to a ${digit}`, "flip", extras.askFlip);
    ask.disabled = Boolean(extras.asking);
    section.append(ask, element("div", "lv-meta", "A few steps up the gradient of this digit's probability, for the convnet and the dense net: how little it takes."));
  }
  return section;
}

// The panel for a unit of a Dense layer (one of the hidden 64, or one of the ten outputs): what it
// is now, what feeds it most, and the test digits that excite it (for an output: the digits of its
// class the network is surest and least sure of). No map, no position, no Play.
// extras: { mapRoot (the map's element, or null), askFlip(), asking }.
export function unitInspector(data, selected, close, extras) {
  const output = data.output && data.output.name === selected.layer;
  const layer = output ? data.output : data.dense;
  const panel = element("aside", "lv-inspector");
  panel.setAttribute("aria-label", "The chosen unit");
  const x = button("×", "close", close);
  x.className = "lv-close";
  x.title = "Close";
  x.setAttribute("aria-label", "Close the chosen unit");
  const title = output ? `${layer.name} · the ${selected.channel}` : `${layer.name} · unit ${selected.channel}`;
  panel.append(x, element("h4", "lv-inspector-title", title));
  const now = output
    ? `p(${selected.channel}) = ${(data.probabilities[selected.channel] * 100).toFixed(1)}% for this drawing`
    : `Dense + ReLU, ${layer.values[selected.channel].toFixed(3)} for this drawing`;
  panel.append(element("div", "lv-meta lv-note", now));
  const e = data.examples;
  if (e && e.layer === selected.layer && e.channel === selected.channel) panel.append(examplesBlock(e));
  else if (e) panel.append(element("p", "lv-meta lv-examples", "Finding the test digits that excite it…"));
  if (!output) panel.append(mapSection(data, extras.mapRoot));
  else if (selected.channel === data.digit) panel.append(occlusionSection(data));
  else panel.append(flipSection(data, selected.channel, extras));
  return panel;
}
