// Feature maps as uint8 (C, H, W), each channel scaled by its own peak (display/lecture.py
// quantise; the page makes them itself in net/lecture_payload.js), and base64 bytes from Python.
// Pure: node's tests import it (tests/js/).

export const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

// A layer's pixels, decoded once per payload and kept on the entry.
export function mapPixels(layer) {
  if (!layer.pixels) layer.pixels = bytes(layer.data);
  return layer.pixels;
}

// Offset of channel `channel`'s first pixel in the (C, H, W) bytes.
export const channelOffset = ([h, w], channel) => channel * h * w;

// The value a pixel stands for: its byte times the channel's peak / 255.
export function mapValue(layer, channel, row, column) {
  const [h, w] = layer.shape;
  return (mapPixels(layer)[channelOffset(layer.shape, channel) + row * w + column] / 255) * layer.peaks[channel];
}
