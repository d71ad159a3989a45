// Every shown layer's feature maps, moving while the pen moves: the page runs the network itself
// (live/reader.js, one reading per frame shared with the live reading) and quantises each map
// as display/lecture.py does (net/lecture_payload.js). Per layer its heading and story, a
// labelled grid with the clicked channel enlarged beside it, and a "Download" button that saves
// the grid as drawn (a PNG made here, not on the server); the first layer's filters follow its
// maps. The server sends the layers' names, words and shapes, the weights' address and its own
// input (drawn as is when the input is a test digit or an upload: there is no canvas to follow).
// One element for all layers: each element costs the server on every stroke. Where the tiles
// go: lib/grid.js, with the frame Python sends.

import { bytes, channelOffset } from "./lib/bytes.js";
import { canvasPoint, element, paintMaps, paintTile } from "./lib/dom.js";
import { channelAt, gridLayout, tileOrigin } from "./lib/grid.js";
import { quantise } from "./net/lecture_payload.js";
import { forward } from "./net/network.js";
import { followDrawing, network, retryWeights, scheduleReading, serverInput } from "./live/reader.js";
import { newestCleanup } from "./lib/cleanup.js";

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

// A labelled grid canvas for `channels` maps of h x w; paint(pixels) draws them (uint8, channel
// after channel) into it.
function gridCanvas(shape, palette, frame, target) {
  const channels = shape[2];
  const layout = gridLayout(shape, frame, target);
  const grid = element("canvas", "fg-grid");
  grid.width = layout.width;
  grid.height = layout.height;
  const ctx = grid.getContext("2d");
  const paint = (pixels) => {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, grid.width, grid.height);
    ctx.fillStyle = "#282828";
    ctx.font = "13px sans-serif";
    for (let c = 0; c < channels; c++) {
      const { x, y } = tileOrigin(layout, frame, c);
      ctx.fillText(`#${c}`, x + 1, y - 3);
    }
    paintMaps(ctx, pixels, shape, (c) => tileOrigin(layout, frame, c), layout.tile, palette);
  };
  return { grid, layout, paint };
}

// One layer's section; its paint({pixels, peaks}) redraws the grid and the enlarged channel.
function layerSection(layer, palette, frame) {
  const [h, w, channels] = layer.shape;
  const { grid, layout, paint } = gridCanvas(layer.shape, palette, frame);
  grid.tabIndex = 0;
  grid.setAttribute("role", "img");
  grid.setAttribute("aria-label", `${layer.name}: ${channels} feature maps of ${h} x ${w}; click one to enlarge it (or the arrow keys)`);

  const zoom = element("figure", "fg-zoom");
  const hint = element("p", "fg-hint", "Click a map to enlarge it.");
  const big = element("canvas");
  big.width = big.height = Math.floor(ZOOM / w) * w;
  big.setAttribute("role", "img");
  const caption = element("figcaption");
  zoom.append(hint, big, caption);
  let maps = null;
  const show = (c) => {
    picks.set(layer.name, c);
    big.setAttribute("aria-label", `${layer.name} channel ${c}, enlarged`);
    if (!maps) return;
    paintTile(big.getContext("2d"), maps.pixels, channelOffset(layer.shape, c), h, w, 0, 0, big.width, palette);
    caption.textContent = `${layer.name} channel ${c}, strongest response ${maps.peaks[c].toFixed(2)}`;
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

  const row = element("div", "fg-row");
  row.append(grid, zoom);
  const save = element("button", "fg-download", `Download the ${layer.name} grid (PNG)`);
  save.type = "button";
  save.onclick = () => download(grid, layer.name);
  const section = element("section", "fg-layer");
  section.dataset.layer = layer.name;
  section.append(element("h3", "fg-heading", layer.heading), element("p", "fg-story", layer.story), row, save);
  const repaint = (quantised) => {
    maps = quantised;
    paint(maps.pixels);
    show(Math.min(picks.get(layer.name) ?? 0, channels - 1));
  };
  return { section, repaint };
}

// The filters at half a map tile: 3 x 3 kernels would otherwise be enormous.
function filtersFigure(filters, frame) {
  const figure = element("figure", "fg-filters");
  const { grid, paint } = gridCanvas(filters.shape, bytes(filters.palette), frame, frame.tile / 2);
  paint(bytes(filters.data));
  grid.classList.replace("fg-grid", "fg-kernels");
  grid.setAttribute("role", "img");
  grid.setAttribute("aria-label", filters.caption);
  figure.append(grid, element("figcaption", "", filters.caption));
  return figure;
}

const views = new WeakMap(); // parentElement -> this mount's sections and subscription

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector(".fg-root");
  let view = views.get(parentElement);
  if (!view) {
    view = mount(root, () => views.delete(parentElement));
    views.set(parentElement, view);
  }
  if (!data) return newestCleanup(view, view.unmount);
  // A new run: the layers shown may have changed (the pooling toggle, a retrain); rebuilt once.
  view.data = data;
  const palette = bytes(data.palette);
  view.sections = data.layers.map((layer) => ({ layer, ...layerSection(layer, palette, data.grid) }));
  for (const { layer, section } of view.sections) {
    if (data.filters && layer.name === data.filters.after) section.append(filtersFigure(data.filters, data.grid));
  }
  root.replaceChildren(...view.sections.map(({ section }) => section));
  const serverImage = serverInput(data);
  retryWeights(data.weights);
  network(data.weights).then((net) => {
    if (data.live) scheduleReading(); // the canvas as it is now
    else if (serverImage) view.paint(forward(net, serverImage));
  }, view.fail);
  return newestCleanup(view, view.unmount);
}

function mount(root, forget) {
  const view = { data: null, sections: [] };
  view.paint = (outputs) => {
    const byName = new Map(outputs.map((output) => [output.name, output]));
    for (const { layer, section, repaint } of view.sections) {
      const output = byName.get(layer.name);
      if (output) repaint(quantise(output.values, layer.shape));
      section.hidden = false;
    }
    root.querySelector(".fg-empty")?.remove();
    root.dataset.state = "live";
  };
  // Nothing to read on the canvas (before the first stroke, after Clear): the grids stay mounted
  // (app.py makes them once, not per stroke), so they hide rather than show a drawing that is gone.
  view.blank = (message) => {
    for (const { section } of view.sections) section.hidden = true;
    if (!root.querySelector(".fg-empty")) root.prepend(element("p", "fg-story fg-empty", `${message} Each layer's maps appear here as the pen moves.`));
    root.dataset.state = "empty";
  };
  view.fail = (error) => {
    if (root.dataset.state === "failed") return; // said once
    root.dataset.state = "failed";
    root.prepend(element("p", "fg-story", "This browser could not run the network, so the feature maps cannot be drawn here."));
    console.warn(error);
  };
  const onReading = (reading) => {
    if (!view.data || !view.data.live) return;
    if (!reading.outputs) return view.blank(reading.message);
    view.paint(reading.outputs);
    root.dataset.moveToDrawnMilliseconds = (performance.now() - reading.askedAt).toFixed(2); // bench/browser_network.py
  };
  const stop = followDrawing(() => view.data && view.data.weights, onReading, view.fail);
  view.unmount = () => {
    stop();
    forget();
  };
  return view;
}
