// Every shown layer's feature maps, drawn in the browser from compact arrays (display/lecture.py's
// quantise): per layer its heading and story, a labelled grid with the clicked channel enlarged
// beside it, and a "Download" button that saves the grid as drawn (a PNG made here, not on the
// server); the first layer's filters follow its maps. One element for all layers: each element
// costs the server on every stroke.

const COLUMNS = 8, GAP = 4, LABEL = 16, TARGET_TILE = 78, ZOOM = 240;
const picks = new Map(); // layer name -> channel clicked, kept across strokes and chapter switches

const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function paint(ctx, pixels, offset, h, w, x, y, size, palette) {
  const image = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = pixels[offset + i] * 3;
    image.data.set([palette[v], palette[v + 1], palette[v + 2], 255], i * 4);
  }
  const scratch = new OffscreenCanvas(w, h);
  scratch.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, x, y, size, size);
}

function download(canvas, name) {
  canvas.toBlob((blob) => {
    if (!blob) return; // the browser could not encode it (out of memory): nothing to save
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${name}.png`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, "image/png");
}

// A labelled grid of `channels` maps of h x w (uint8, channel after channel), each tile about
// `target` pixels wide in whole map pixels, so it stays crisp.
function gridCanvas(pixels, [h, w, channels], palette, target) {
  const tile = Math.max(1, Math.round(target / h)) * h;
  const columns = Math.min(COLUMNS, channels), rows = Math.ceil(channels / columns);
  const grid = element("canvas", "fg-grid");
  grid.width = GAP + columns * (tile + GAP);
  grid.height = GAP + rows * (tile + LABEL + GAP);
  const ctx = grid.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, grid.width, grid.height);
  ctx.fillStyle = "#282828";
  ctx.font = "13px sans-serif";
  for (let c = 0; c < channels; c++) {
    const x = GAP + (c % columns) * (tile + GAP), y = GAP + Math.floor(c / columns) * (tile + LABEL + GAP) + LABEL;
    ctx.fillText(`#${c}`, x + 1, y - 3);
    paint(ctx, pixels, c * h * w, h, w, x, y, tile, palette);
  }
  return { grid, tile, columns };
}

function layerSection(layer, palette, picks) {
  const pixels = bytes(layer.data);
  const [h, w, channels] = layer.shape;
  const { grid, tile, columns } = gridCanvas(pixels, layer.shape, palette, TARGET_TILE);
  grid.setAttribute("role", "img");
  grid.setAttribute("aria-label", `${layer.name}: ${channels} feature maps of ${h} x ${w}; click one to enlarge it`);

  const zoom = element("figure", "fg-zoom");
  const hint = element("p", "fg-hint", "Click a map to enlarge it.");
  const show = (c) => {
    picks.set(layer.name, c);
    const big = element("canvas");
    big.width = big.height = Math.floor(ZOOM / w) * w;
    paint(big.getContext("2d"), pixels, c * h * w, h, w, 0, 0, big.width, palette);
    zoom.replaceChildren(hint, big, element("figcaption", "", `${layer.name} channel ${c}, strongest response ${layer.peaks[c].toFixed(2)}`));
  };
  grid.onclick = (event) => {
    const box = grid.getBoundingClientRect();
    const x = ((event.clientX - box.left) * grid.width) / box.width;
    const y = ((event.clientY - box.top) * grid.height) / box.height;
    const c = Math.floor((y - GAP) / (tile + LABEL + GAP)) * columns + Math.floor((x - GAP) / (tile + GAP));
    if (c >= 0 && c < channels) show(c);
  };
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

function filtersFigure(filters) {
  const figure = element("figure", "fg-filters");
  const { grid } = gridCanvas(bytes(filters.data), filters.shape, bytes(filters.palette), TARGET_TILE / 2);
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
    const section = layerSection(layer, palette, picks);
    if (data.filters && layer.name === data.filters.after) section.append(filtersFigure(data.filters));
    return section;
  });
  root.replaceChildren(...sections);
}
