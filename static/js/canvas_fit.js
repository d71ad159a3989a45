// Fit the drawing canvas to its column: as wide as a phone's screen allows, never wider than the
// column (the lecture view's column is a little narrower than the canvas, which then scrolled
// sideways, a scrollable region no keyboard could reach). Run by canvas_controls.js: one
// component under the canvas, not two (Streamlit re-sends every component on every stroke).
//
// Only how big the canvas looks changes (CSS zoom on its element): it keeps its canvas pixels, so
// the drawing Python receives, hence the network's 28x28 input, is the same at any size, and the
// pen (in canvas pixels) grows with it. Fabric maps each pointer through the canvas' box on screen,
// so a stroke lands under the finger at any zoom.

const CANVAS = ".st-key-canvas";
const SIDE_BY_SIDE = 640; // from this window width Streamlit puts columns side by side (see page.css)
const MAX_SHARE_OF_HEIGHT = 0.6; // a phone held sideways keeps room for the answer under the canvas

export function canvasZoom(columnWidth, pixels, windowWidth, windowHeight) {
  let zoom = columnWidth / pixels;
  // Beside the answer on a wide screen the canvas stays at its own size: bigger would push Clear
  // and the answer below a 720 px projector's fold.
  if (windowWidth >= SIDE_BY_SIDE) zoom = Math.min(zoom, 1);
  zoom = Math.min(zoom, (windowHeight * MAX_SHARE_OF_HEIGHT) / pixels);
  return Math.max(0.5, Math.floor(zoom * 1000) / 1000);
}

// Keeps the canvas zoomed to its column until the returned function is called.
export function fitCanvas(pixels) {
  const style = document.createElement("style");
  style.dataset.digitLens = "canvas-fit";
  document.head.appendChild(style); // a rule, not an inline style: React re-renders would drop that
  let column = null;
  const resized = new ResizeObserver(() => fit());
  const fit = () => {
    const canvas = document.querySelector(CANVAS);
    if (!canvas) return;
    if (canvas.parentElement !== column) {
      if (column) resized.unobserve(column);
      column = canvas.parentElement;
      resized.observe(column);
    }
    const zoom = canvasZoom(column.clientWidth, pixels, window.innerWidth, window.innerHeight);
    const rule = `${CANVAS} { zoom: ${zoom}; }`;
    if (style.textContent !== rule) style.textContent = rule;
  };
  // The canvas may mount after us, or again when the input switches back to drawing.
  const mounted = new MutationObserver(() => fit());
  mounted.observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", fit);
  fit();
  return () => {
    mounted.disconnect();
    resized.disconnect();
    window.removeEventListener("resize", fit);
    style.remove();
  };
}
