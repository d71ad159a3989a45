// Where a unit is and what it sees, from the layer geometry Python sends (display/lecture.py
// _layer_entry: shape, receptiveField, jump; the strongest unit of every channel). Pure.

// (top, left, size) of the input square unit (row, column) of a spatial layer sees: 'valid'
// padding, so neighbouring units are `jump` input pixels apart (cnn/net/anatomy.py).
export function receptiveBox(layer, row, column) {
  const [h, w] = layer.shape;
  if (!(row >= 0 && row < h && column >= 0 && column < w)) throw new RangeError(`(${row}, ${column}) is outside ${layer.name}'s ${h} x ${w} map`);
  return { top: row * layer.jump, left: column * layer.jump, size: layer.receptiveField };
}

// The strongest unit of one channel: Python finds it on the float maps (display/closeup.py
// strongest_point), so no tie from the 8-bit quantisation can move it.
export function strongestUnit(layer, channel) {
  const index = layer.strongest[channel];
  return { row: Math.floor(index / layer.shape[1]), column: index % layer.shape[1] };
}

// A flattened input of a dense layer back to (channel, row, column): Flatten keeps Keras'
// (row, column, channel) order.
export function flattenedUnit(index, [, w, channels]) {
  const position = Math.floor(index / channels);
  return { channel: index % channels, row: Math.floor(position / w), column: position % w };
}
