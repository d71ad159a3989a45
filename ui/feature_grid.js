// One layer's feature maps as a labelled grid, drawn in the browser from compact arrays
// (display/lecture.py's quantise), with the clicked channel enlarged beside it. Drawing here
// instead of encoding a PNG on the server takes ~25 ms of server CPU off every stroke.

const COLUMNS = 8, GAP = 4, LABEL = 16, TARGET_TILE = 78, ZOOM = 240;
const chosen = new WeakMap(); // parentElement -> channel the person clicked, kept across strokes

const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

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

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector(".fg-root");
  if (!data) return;
  const palette = bytes(data.palette), pixels = bytes(data.data);
  const [h, w, channels] = data.shape;
  const tile = Math.max(1, Math.round(TARGET_TILE / h)) * h; // whole map pixels: crisp
  const columns = Math.min(COLUMNS, channels), rows = Math.ceil(channels / columns);
  if (!chosen.has(parentElement)) chosen.set(parentElement, 0);

  const grid = document.createElement("canvas");
  grid.className = "fg-grid";
  grid.width = GAP + columns * (tile + GAP);
  grid.height = GAP + rows * (tile + LABEL + GAP);
  grid.setAttribute("role", "img");
  grid.setAttribute("aria-label", `${data.name}: ${channels} feature maps of ${h} x ${w}; click one to enlarge it`);
  const ctx = grid.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, grid.width, grid.height);
  ctx.fillStyle = "#282828";
  ctx.font = "13px sans-serif";
  const origin = (c) => [GAP + (c % columns) * (tile + GAP), GAP + Math.floor(c / columns) * (tile + LABEL + GAP) + LABEL];
  for (let c = 0; c < channels; c++) {
    const [x, y] = origin(c);
    ctx.fillText(`#${c}`, x + 1, y - 3);
    paint(ctx, pixels, c * h * w, h, w, x, y, tile, palette);
  }

  const zoom = document.createElement("figure");
  zoom.className = "fg-zoom";
  const show = (c) => {
    chosen.set(parentElement, c);
    const big = document.createElement("canvas");
    big.width = big.height = Math.floor(ZOOM / w) * w;
    paint(big.getContext("2d"), pixels, c * h * w, h, w, 0, 0, big.width, palette);
    const caption = document.createElement("figcaption");
    caption.textContent = `${data.name} channel ${c}, strongest response ${data.peaks[c].toFixed(2)}`;
    zoom.replaceChildren(big, caption);
  };
  grid.onclick = (event) => {
    const box = grid.getBoundingClientRect();
    const x = ((event.clientX - box.left) * grid.width) / box.width;
    const y = ((event.clientY - box.top) * grid.height) / box.height;
    const c = Math.floor((y - GAP) / (tile + LABEL + GAP)) * columns + Math.floor((x - GAP) / (tile + GAP));
    if (c >= 0 && c < channels) show(c);
  };
  show(Math.min(chosen.get(parentElement), channels - 1));
  const hint = document.createElement("p");
  hint.className = "fg-hint";
  hint.textContent = "Click a map to enlarge it.";
  root.replaceChildren(grid, zoom);
  zoom.prepend(hint);
}
