// Editing the network's 28 x 28 input pixel by pixel (static/js/input_editor.js): which pixel a
// pointer is over, what a tool does to it, where the keyboard's cursor goes. Pure: node's tests
// import it (tests/js/pixel_edit.test.mjs).

export const SIDE = 28;
export const TOOLS = { paint: 1, erase: 0 }; // the value a tool writes: full ink, or background

// The (row, column) of the pixel under a point of the editor's own canvas (`scale` canvas pixels
// a pixel), or null off the image.
export function pixelAt(x, y, scale) {
  const row = Math.floor(y / scale);
  const column = Math.floor(x / scale);
  return row >= 0 && row < SIDE && column >= 0 && column < SIDE ? { row, column } : null;
}

// Set one pixel of `image` (Float32Array of 784, 0 background .. 1 ink) with `tool`; whether it
// changed (a move inside one pixel changes nothing, so nothing is read again).
export function applyTool(image, { row, column }, tool) {
  const value = TOOLS[tool];
  const index = row * SIDE + column;
  if (image[index] === value) return false;
  image[index] = value;
  return true;
}

// The keyboard: arrows move the cursor (stopping at the edges), Space or Enter flips the pixel
// under it (ink to background, anything fainter than half to ink), P and E choose the tool.
export function keyAction(key) {
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (moves[key]) return { move: moves[key] };
  if (key === " " || key === "Enter") return { flip: true };
  if (key === "p" || key === "P") return { tool: "paint" };
  if (key === "e" || key === "E") return { tool: "erase" };
  return null;
}

export function moveCursor({ row, column }, [down, right]) {
  const clamp = (v) => Math.max(0, Math.min(SIDE - 1, v));
  return { row: clamp(row + down), column: clamp(column + right) };
}

export const flipTool = (image, { row, column }) => (image[row * SIDE + column] >= 0.5 ? "erase" : "paint");

// How many pixels two inputs differ in (what the editor says it changed).
export function changedPixels(image, original) {
  let count = 0;
  for (let i = 0; i < image.length; i++) if (Math.abs(image[i] - original[i]) > 1e-6) count++;
  return count;
}
