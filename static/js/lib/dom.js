// DOM helpers every piece of ours uses. Nothing runs at import, so pure modules that import
// their neighbours stay importable in node.

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A button that does `action`; `focusKey` names it for a view that redraws itself and gives the
// keyboard's focus back to the same control (the lecture view).
export function focusButton(className, text, focusKey, action) {
  const node = element("button", className, text);
  node.type = "button";
  node.dataset.focus = focusKey;
  node.onclick = action;
  return node;
}

// One (h, w) map of bytes from `pixels` at `offset`, coloured through `palette` (256 x 3 bytes),
// drawn crisp (nearest neighbour) as a size x size square at (x, y).
export function paintTile(ctx, pixels, offset, h, w, x, y, size, palette) {
  paintMaps(ctx, pixels.subarray(offset, offset + h * w), [h, w, 1], () => ({ x, y }), size, palette);
}

const packed = new WeakMap(); // palette -> its 256 colours as RGBA words
const scratches = new Map(); // "w x h" -> a canvas to put the coloured maps on, reused every frame

function words(palette) {
  if (!packed.has(palette)) {
    const table = new Uint32Array(256);
    const bytes = new Uint8Array(table.buffer);
    for (let v = 0; v < 256; v++) bytes.set([palette[v * 3], palette[v * 3 + 1], palette[v * 3 + 2], 255], v * 4);
    packed.set(palette, table);
  }
  return packed.get(palette);
}

// Every channel of (C, H, W) bytes, each drawn crisp as a size x size square at place(channel):
// coloured in one pass into one picture (the channels stacked), then cut out tile by tile. A
// picture and a canvas per tile cost the lecture view ~10 ms a frame for its 256 tiles.
export function paintMaps(ctx, pixels, [h, w, channels], place, size, palette) {
  const table = words(palette);
  const image = new ImageData(w, h * channels);
  const out = new Uint32Array(image.data.buffer);
  for (let i = 0; i < h * w * channels; i++) out[i] = table[pixels[i]];
  const key = `${w}x${h * channels}`;
  if (!scratches.has(key)) scratches.set(key, new OffscreenCanvas(w, h * channels));
  const scratch = scratches.get(key);
  scratch.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  for (let c = 0; c < channels; c++) {
    const { x, y } = place(c);
    ctx.drawImage(scratch, 0, c * h, w, h, x, y, size, size);
  }
}

// Where on a canvas's own pixel grid an event happened (the canvas may be drawn scaled).
export function canvasPoint(canvas, event) {
  const box = canvas.getBoundingClientRect();
  return { x: ((event.clientX - box.left) * canvas.width) / box.width, y: ((event.clientY - box.top) * canvas.height) / box.height };
}

// Enter or Space on a focusable non-button element acts like a click.
export function onActivate(node, action) {
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      action(event);
    }
  });
}

// Ten bars, one per digit, for the probabilities: classes `${prefix}-bars`, `-bar`, `-fill`,
// `-digit` (each piece styles its own). showBars fills them and marks the most likely `-best`.
export function digitBars(prefix) {
  const bars = element("div", `${prefix}-bars`);
  const rows = [];
  for (let digit = 0; digit < 10; digit++) {
    const bar = element("div", `${prefix}-bar`);
    const fill = element("span", `${prefix}-fill`);
    bar.append(element("span", `${prefix}-digit`, String(digit)), fill);
    bars.append(bar);
    rows.push({ bar, fill });
  }
  return { bars, rows, prefix };
}

export function showBars({ rows, prefix }, probabilities, best) {
  rows.forEach(({ bar, fill }, i) => {
    fill.style.height = `${(probabilities[i] * 100).toFixed(1)}%`;
    bar.classList.toggle(`${prefix}-best`, i === best);
  });
}
