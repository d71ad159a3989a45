// The detailed view's labelled grid of feature maps: where each tile goes. The frame (columns,
// gap, label strip, target tile size) comes from Python (display/render.py grid_frame), which
// draws its own grids of kernels with the same numbers. Pure.

// Tiles are whole multiples of the map's size (crisp pixels), about `target` wide.
export function gridLayout([h, , channels], frame, target = frame.tile) {
  const tile = Math.max(1, Math.round(target / h)) * h;
  const columns = Math.min(frame.columns, channels), rows = Math.ceil(channels / columns);
  return {
    tile,
    columns,
    rows,
    width: frame.gap + columns * (tile + frame.gap),
    height: frame.gap + rows * (tile + frame.label + frame.gap),
  };
}

// Top-left corner of channel c's tile (below its label strip).
export function tileOrigin(layout, frame, c) {
  return {
    x: frame.gap + (c % layout.columns) * (layout.tile + frame.gap),
    y: frame.gap + Math.floor(c / layout.columns) * (layout.tile + frame.label + frame.gap) + frame.label,
  };
}

// The channel whose cell (tile with its label) holds grid point (x, y), or -1.
export function channelAt(layout, frame, channels, x, y) {
  const column = Math.floor((x - frame.gap) / (layout.tile + frame.gap));
  const row = Math.floor((y - frame.gap) / (layout.tile + frame.label + frame.gap));
  const c = row * layout.columns + column;
  return column >= 0 && column < layout.columns && row >= 0 && c < channels ? c : -1;
}
