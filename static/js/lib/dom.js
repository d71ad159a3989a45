// DOM helpers every piece of ours uses. Nothing runs at import, so pure modules that import
// their neighbours stay importable in node.

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// One (h, w) map of bytes from `pixels` at `offset`, coloured through `palette` (256 x 3 bytes),
// drawn crisp (nearest neighbour) as a size x size square at (x, y).
export function paintTile(ctx, pixels, offset, h, w, x, y, size, palette) {
  const image = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = pixels[offset + i] * 3;
    image.data[i * 4] = palette[v];
    image.data[i * 4 + 1] = palette[v + 1];
    image.data[i * 4 + 2] = palette[v + 2];
    image.data[i * 4 + 3] = 255;
  }
  const scratch = new OffscreenCanvas(w, h);
  scratch.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, x, y, size, size);
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
