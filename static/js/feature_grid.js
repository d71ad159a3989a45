// Every shown layer's feature maps, drawn in the browser from compact arrays (display/lecture.py's
// quantise): per layer its heading and story, a labelled grid with the clicked channel enlarged
// beside it, and a "Download" button that saves the grid as drawn (a PNG made here, not on the
// server); the first layer's filters follow its maps. One element for all layers: each element
// costs the server on every stroke. Where the tiles go: lib/grid.js, with the frame Python sends.

import { bytes, channelOffset } from "./lib/bytes.js";
import { canvasPoint, element, paintTile } from "./lib/dom.js";
import { channelAt, gridLayout, tileOrigin } from "./lib/grid.js";

const ZOOM = 240;
const picks = new Map(); // layer name -> channel clicked, kept across strokes and chapter switches

function download(canvas, name) {
  canvas.toBlob((blob) => {
    if (!blob) return; // the browser could not encode it (out of memory): nothing to save
    const link = element("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${name}.png`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, "image/png");
}

// A labelled grid of `channels` maps of h x w (uint8, channel after channel).
function gridCanvas(pixels, shape, palette, frame, target) {
  const [h, w, channels] = shape;
  const layout = gridLayout(shape, frame, target);
  const grid = element("canvas", "fg-grid");
  grid.width = layout.width;
  grid.height = layout.height;
  const ctx = grid.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, grid.width, grid.height);
  ctx.fillStyle = "#282828";
  ctx.font = "13px sans-serif";
  for (let c = 0; c < channels; c++) {
    const { x, y } = tileOrigin(layout, frame, c);
    ctx.fillText(`#${c}`, x + 1, y - 3);
    paintTile(ctx, pixels, channelOffset(shape, c), h, w, x, y, layout.tile, palette);
  }
  return { grid, layout };
}

function layerSection(layer, palette, frame) {
  const pixels = bytes(layer.data);
  const [h, w, channels] = layer.shape;
  const { grid, layout } = gridCanvas(pixels, layer.shape, palette, frame);
  grid.tabIndex = 0;
  grid.setAttribute("role", "img");
  grid.setAttribute("aria-label", `${layer.name}: ${channels} feature maps of ${h} x ${w}; click one to enlarge it (or the arrow keys)`);

  const zoom = element("figure", "fg-zoom");
  const hint = element("p", "fg-hint", "Click a map to enlarge it.");
  const show = (c) => {
    picks.set(layer.name, c);
    const big = element("canvas");
    big.width = big.height = Math.floor(ZOOM / w) * w;
    big.setAttribute("role", "img");
    big.setAttribute("aria-label", `${layer.name} channel ${c}, enlarged`);
    paintTile(big.getContext("2d"), pixels, channelOffset(layer.shape, c), h, w, 0, 0, big.width, palette);
    zoom.replaceChildren(hint, big, element("figcaption", "", `${layer.name} channel ${c}, strongest response ${layer.peaks[c].toFixed(2)}`));
  };
  grid.onclick = (event) => {
    const { x, y } = canvasPoint(grid, event);
    const c = channelAt(layout, frame, channels, x, y);
    if (c >= 0) show(c);
  };
  grid.addEventListener("keydown", (event) => {
    const move = { ArrowRight: 1, ArrowDown: layout.columns, ArrowLeft: -1, ArrowUp: -layout.columns }[event.key];
    if (move === undefined) return;
    event.preventDefault();
    show(Math.max(0, Math.min(channels - 1, (picks.get(layer.name) ?? 0) + move)));
  });
  show(Math.min(picks.get(layer.name) ?? 0, channels - 1));

  const row = element("div", "fg-row");
  row.append(grid, zoom);
  const save = element("button", "fg-download", `Download the ${layer.name} grid (PNG)`);
  save.type = "button";
  save.onclick = () => download(grid, layer.name);
  const section = element("section", "fg-layer");
  section.dataset.layer = layer.name;
  section.append(element("h3", "fg-heading", layer.heading), element("p", "fg-story", layer.story), row, save);
  return section;
}

// The filters at half a map tile: 3 x 3 kernels would otherwise be enormous.
function filtersFigure(filters, frame) {
  const figure = element("figure", "fg-filters");
  const { grid } = gridCanvas(bytes(filters.data), filters.shape, bytes(filters.palette), frame, frame.tile / 2);
  grid.classList.replace("fg-grid", "fg-kernels");
  grid.setAttribute("role", "img");
  grid.setAttribute("aria-label", filters.caption);
  figure.append(grid, element("figcaption", "", filters.caption));
  return figure;
}

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector(".fg-root");
  if (!data) return;
  const palette = bytes(data.palette);
  const sections = data.layers.map((layer) => {
    const section = layerSection(layer, palette, data.grid);
    if (data.filters && layer.name === data.filters.after) section.append(filtersFigure(data.filters, data.grid));
    return section;
  });
  root.replaceChildren(...sections);
}
