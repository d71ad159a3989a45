// preprocess.js's preprocess, kept between the frames of a stroke. While the pen draws, only the
// pixels in a box around its path change (live/canvas_pixels.js reads only those again), so only
// their ink is worked out again; what the rest of the picture gave is kept: the paper's colour
// (from the border, untouched while the box stays off it), each row's strongest ink and the span
// of its inked pixels. The result is exactly what preprocess gives for the whole picture
// (tests/js/preprocess_live.test.mjs holds the two equal, stroke by stroke): working out the ink
// of every pixel every frame was the larger half of the preprocessing on a throttled phone.
//
//     const live = new LivePreprocess();
//     live.run(rgba, width, height, changed)   // changed: [left, top, right, bottom] of the only
//                                              // pixels that may differ from the last call's, or null

import { LUMA, digitFromInk, inkedBox, opaquePaper, preprocess, ringOf } from "./preprocess.js";

export class LivePreprocess {
  constructor() {
    this.kept = null;
  }

  run(rgba, width, height, changed = null) {
    const kept = this.kept;
    const ring = ringOf(width, height);
    const [left, top, right, bottom] = changed || [0, 0, width, height];
    const offBorder = left >= ring && top >= ring && right <= width - ring && bottom <= height - ring;
    const ok = changed && kept && kept.rgba === rgba && kept.width === width && kept.height === height && offBorder;
    if (!(ok ? this._mend(left, top, right, bottom) : this._start(rgba, width, height))) {
      this.kept = null;
      return preprocess(rgba, width, height); // a picture with transparent parts: every step over every pixel
    }
    return this._digit();
  }

  // Everything from the whole picture, as preprocess.js's opaqueInkStrength; false if not opaque.
  _start(rgba, width, height) {
    const paper = opaquePaper(rgba, width, height);
    if (!paper) return false;
    this.kept = {
      rgba, width, height, ...paper, // words, background, invert
      ink: new Float32Array(width * height), // before scaling by the strongest ink
      rowPeak: new Float32Array(height),
      rowFirst: new Int32Array(height), // the first and last pixel of each row with any ink
      rowLast: new Int32Array(height),
    };
    return this._mend(0, 0, width, height);
  }

  // The ink of the pixels in the box again, and the numbers of the rows it crosses.
  _mend(left, top, right, bottom) {
    const { words, width, background, invert, ink, rowPeak, rowFirst, rowLast } = this.kept;
    const [red, green, blue] = LUMA;
    for (let y = top; y < bottom; y++) {
      const row = y * width;
      let lastWord = ~words[row + left] >>> 0, lastInk = 0;
      for (let i = row + left; i < row + right; i++) {
        const word = words[i];
        if (word !== lastWord) {
          if (word >>> 24 !== 255) return false; // the alpha byte, on a little-endian machine
          const g = Math.fround(red[word & 255] + green[(word >>> 8) & 255] + blue[(word >>> 16) & 255]);
          const value = Math.fround((invert ? 1 - g : g) - background);
          lastWord = word;
          lastInk = value > 0 ? value : 0;
        }
        ink[i] = lastInk;
      }
      let peak = 0, first = width, last = -1;
      for (let x = 0; x < width; x++) {
        const value = ink[row + x];
        if (value !== 0) {
          if (first === width) first = x;
          last = x;
          if (value > peak) peak = value;
        }
      }
      rowPeak[y] = peak;
      rowFirst[y] = first;
      rowLast[y] = last;
    }
    return true;
  }

  // preprocess.js's steps from the ink on: scaled so the strongest is 1, the inked box, the digit.
  _digit() {
    const { ink, width, height, rowPeak, rowFirst, rowLast } = this.kept;
    let peak = 0;
    for (let y = 0; y < height; y++) if (rowPeak[y] > peak) peak = rowPeak[y];
    let scaled = ink; // the usual case: white ink on black paper, the strongest ink is 1 already
    const scale = peak > 0 ? Math.fround(1 / peak) : 1;
    if (scale !== 1) {
      scaled = Float32Array.from(ink);
      for (let i = 0; i < scaled.length; i++) if (scaled[i] !== 0) scaled[i] *= scale;
    }
    return digitFromInk(scaled, width, height, inkedBox(scaled, width, 0, height, (y) => rowFirst[y], (y) => rowLast[y]));
  }
}
