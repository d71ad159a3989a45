// The colour scales, read from the 256-entry tables Python sends (ui/components.py: VIRIDIS and
// RED_BLUE, matplotlib's viridis and RdBu_r, the same as the server's pictures). Pure.

const clamp = (v, low, high) => Math.max(low, Math.min(high, v));

// [r, g, b] of entry `index` (0..255) of a table of 256 x 3 bytes.
export const tableColour = (table, index) => [table[index * 3], table[index * 3 + 1], table[index * 3 + 2]];

export const css = ([r, g, b]) => `rgb(${r},${g},${b})`;

// A sequential scale: t in [0, 1] -> the table's colour, truncated like the server's pictures
// (display/render.py colourise).
export const sequentialIndex = (t) => Math.floor(clamp(t, 0, 1) * 255);

// A diverging scale: -limit..limit -> 0..255, zero at 127.5 (red positive, blue negative on
// RED_BLUE), the same rounding as the filters' bytes (ui/feature_maps.py first_filters).
export const divergingIndex = (v, limit) => Math.round((clamp(v / (limit || 1), -1, 1) + 1) * 127.5);

export const sequential = (table, t) => css(tableColour(table, sequentialIndex(t)));
export const diverging = (table, v, limit) => css(tableColour(table, divergingIndex(v, limit)));

// A grey ramp as a table, for the 28 x 28 input.
export const GREY = Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3));
