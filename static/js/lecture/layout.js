// How big everything in the lecture view is, for a given window. Pure (node's tests import it).

export const GAP = 3; // between tiles
export const COLUMN_GAP = 12;
export const INSPECTOR_WIDTH = 340;
export const DENSE_WIDTH = 58;
export const OUTPUT_WIDTH = 128;
const LARGEST_TILE = 72, SMALLEST_TILE = 10;

// The input picture: a whole multiple of 28 pixels, a quarter of the height, 84 to 168.
export const inputSize = (available) => Math.max(84, Math.min(168, Math.floor(available / 4 / 28) * 28));

// The width the columns that are not grids take: input, dense strip, outputs and their gaps.
export const fixedWidth = (input, hasDense) => input + COLUMN_GAP + (hasDense ? DENSE_WIDTH + COLUMN_GAP : 0) + OUTPUT_WIDTH;

// The biggest tile size at which every layer's grid fits `width`, each grid as tall as `height`
// allows; at the smallest tile, 8 rows whatever the width.
export function chooseLayout(layers, width, height, fixed) {
  for (let tile = LARGEST_TILE; tile >= SMALLEST_TILE; tile--) {
    const rows = Math.max(1, Math.floor((height + GAP) / (tile + GAP)));
    let total = fixed;
    const grids = layers.map((layer) => {
      const channels = layer.shape[2];
      const columns = Math.ceil(channels / rows);
      total += gridSize(columns, tile) + COLUMN_GAP;
      return { columns, rows: Math.ceil(channels / columns) };
    });
    if (total <= width) return { tile, grids };
  }
  return { tile: SMALLEST_TILE, grids: layers.map((l) => {
    const columns = Math.ceil(l.shape[2] / 8);
    return { columns, rows: Math.ceil(l.shape[2] / columns) };
  }) };
}

// Pixels a run of `count` tiles takes, gaps between them.
export const gridSize = (count, tile) => count * (tile + GAP) - GAP;

export const tileOrigin = (grid, tile, c) => ({ x: (c % grid.columns) * (tile + GAP), y: Math.floor(c / grid.columns) * (tile + GAP) });

// The channel at grid point (x, y), or -1 (a gap or past the last channel counts as its tile).
export function channelAt(grid, tile, channels, x, y) {
  const column = Math.floor(x / (tile + GAP)), row = Math.floor(y / (tile + GAP));
  const c = row * grid.columns + column;
  return column >= 0 && column < grid.columns && row >= 0 && c < channels ? c : -1;
}
