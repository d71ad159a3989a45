// From a drawing to the 28x28 image the network receives, in the page: the same steps and the
// same numbers as cnn/net/preprocess.py (MNIST's recipe: the ink's bounding box scaled to fit
// 20x20 keeping the aspect ratio, anti-aliased with Pillow's Lanczos filter, placed so the centre
// of mass sits at (14, 14)), held to it by `node --test tests/js/` on fixtures Python writes.
// Pure functions over typed arrays, no DOM.

export const IMAGE_SIZE = 28;
export const DIGIT_BOX = 20;
export const CENTRE = [14.0, 14.0];
export const INK_THRESHOLD = 0.2;
export const MIN_EXTENT = 0.08;
export const MAX_INK_FRACTION = 0.4;
const BORDER = 0.04;

// The same words as cnn/net/preprocess.py's _MESSAGES (tests/test_browser_network.py compares them).
export const MESSAGES = {
  ok: "A digit was found.",
  blank: "No ink found: nothing is drawn.",
  too_small: "Too little ink to be a digit: draw it bigger.",
  all_ink: "The picture is mostly ink: clear it and draw one digit.",
};

// Python's round(): halves go to the even neighbour (2.5 -> 2), unlike Math.round.
export function roundHalfEven(x) {
  const floor = Math.floor(x), rest = x - floor;
  if (rest !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

// RGBA bytes (H * W * 4, like getImageData) -> grey in [0, 1] (ITU-R 601 luma, as Pillow's "L"),
// transparency laid over a backdrop that contrasts with the opaque part.
// Each byte's share of the luma, as float32 bytes / 255 times its weight: three lookups a pixel
// instead of three divisions (this runs over every canvas pixel on every frame).
export const LUMA = [0.299, 0.587, 0.114].map((weight) => Float64Array.from({ length: 256 }, (_, v) => Math.fround(v / 255) * weight));

function grey(rgba, width, height) {
  const count = width * height, values = new Float32Array(count);
  const [red, green, blue] = LUMA;
  let transparent = false;
  for (let i = 0, j = 0; i < count; i++, j += 4) {
    values[i] = red[rgba[j]] + green[rgba[j + 1]] + blue[rgba[j + 2]];
    if (rgba[j + 3] !== 255) transparent = true;
  }
  if (!transparent) return values;
  let opaqueSum = 0, opaqueCount = 0;
  for (let i = 0; i < count; i++) {
    if (rgba[4 * i + 3] / 255 > 0.5) {
      opaqueSum += values[i];
      opaqueCount++;
    }
  }
  const backdrop = (opaqueCount ? opaqueSum / opaqueCount : 0) < 0.5 ? 1 : 0;
  for (let i = 0; i < count; i++) {
    const alpha = Math.fround(rgba[4 * i + 3] / 255);
    values[i] = values[i] * alpha + backdrop * (1 - alpha);
  }
  return values;
}

// The k-th smallest of `values` (reordered in place): Hoare's quickselect, linear time, where a
// full sort of the canvas's 12,320 border pixels was a third of the ink step.
function select(values, k) {
  let low = 0, high = values.length - 1;
  while (low < high) {
    const pivot = values[(low + high) >> 1];
    let i = low, j = high;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i++] = values[j];
        values[j--] = swap;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k];
  }
  return values[k];
}

// numpy's median: the middle value, or the mean of the two middle ones.
export function median(values) {
  const copy = Float32Array.from(values), middle = copy.length >> 1;
  const upper = select(copy, middle);
  return copy.length % 2 ? upper : (select(copy, middle - 1) + upper) / 2;
}

// The ring of pixels along the edges, `ring` deep, in a fixed order (top, bottom, left, right).
function borderOf(at, width, height, ring) {
  const border = [];
  for (let y = 0; y < ring; y++) for (let x = 0; x < width; x++) border.push(at(y * width + x));
  for (let y = height - ring; y < height; y++) for (let x = 0; x < width; x++) border.push(at(y * width + x));
  for (let y = 0; y < height; y++) for (let x = 0; x < ring; x++) border.push(at(y * width + x));
  for (let y = 0; y < height; y++) for (let x = width - ring; x < width; x++) border.push(at(y * width + x));
  return border;
}

// Ink from grey: the background (the border's median) taken away, dark ink on light paper
// turned light on dark, scaled so the strongest ink is 1.
function inkFromGrey(values, background, invert) {
  let peak = 0;
  for (let i = 0; i < values.length; i++) {
    const ink = (invert ? 1 - values[i] : values[i]) - background;
    values[i] = ink > 0 ? ink : 0;
    if (values[i] > peak) peak = values[i];
  }
  return normalised(values, peak);
}

function normalised(values, peak) {
  if (peak > 0) {
    const scale = Math.fround(1 / peak);
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) values[i] *= scale;
  }
  return values;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1; // every browser in use
export const ringOf = (width, height) => Math.max(1, roundHalfEven(Math.min(height, width) * BORDER));

// -> ink strength in [0, 1], light on dark, (H, W) row-major: cnn/net/preprocess.py ink_strength.
export function inkStrength(rgba, width, height) {
  return opaqueInkStrength(rgba, width, height) || anyInkStrength(rgba, width, height);
}

// Any picture, transparent parts included: every step over every pixel.
function anyInkStrength(rgba, width, height) {
  const values = grey(rgba, width, height);
  let background = median(borderOf((i) => values[i], width, height, ringOf(width, height)));
  const invert = background > 0.5; // dark ink on a light background
  if (invert) background = 1 - background;
  return inkFromGrey(values, background, invert);
}

// The same numbers for an opaque picture (the canvas's: it paints its background), in one pass:
// a pixel's ink depends on its RGBA word alone and most of the canvas is one colour, so the
// luma and ink are worked out only where the colour changes from the pixel before (measured in
// Node: 0.3 ms a 280 x 280 canvas, against 0.8 ms step by step). Returns null on the first pixel
// that is not opaque (anyInkStrength then takes it).
function opaqueInkStrength(rgba, width, height) {
  const paper = opaquePaper(rgba, width, height);
  if (!paper) return null;
  const { words, background, invert } = paper, count = width * height;
  const [red, green, blue] = LUMA;
  const values = new Float32Array(count);
  let peak = 0, lastWord = ~words[0] >>> 0, lastInk = 0;
  for (let i = 0; i < count; i++) {
    const word = words[i];
    if (word !== lastWord) {
      if (word >>> 24 !== 255) return null; // the alpha byte, on a little-endian machine
      const g = Math.fround(red[word & 255] + green[(word >>> 8) & 255] + blue[(word >>> 16) & 255]);
      const ink = Math.fround((invert ? 1 - g : g) - background);
      lastWord = word;
      lastInk = ink > 0 ? ink : 0;
      if (lastInk > peak) peak = lastInk;
    }
    values[i] = lastInk;
  }
  return normalised(values, peak);
}

// An opaque picture's RGBA words and its paper: the border's median grey, turned so ink is light
// (invert: dark ink on light paper); null where the platform or a border pixel rules the one-pass
// path out. Shared with preprocess_live.js, which keeps it between frames.
export function opaquePaper(rgba, width, height) {
  if (!LITTLE_ENDIAN || rgba.byteOffset % 4 !== 0) return null;
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  const [red, green, blue] = LUMA;
  const greyAt = (i) => {
    const j = 4 * i;
    return rgba[j + 3] === 255 ? Math.fround(red[rgba[j]] + green[rgba[j + 1]] + blue[rgba[j + 2]]) : NaN;
  };
  const background = borderMedian(words, width, height, greyAt);
  if (Number.isNaN(background)) return null;
  const invert = background > 0.5;
  return { words, background: invert ? 1 - background : background, invert };
}

// The border's median grey (NaN if a border pixel is not opaque). A border of one colour, the
// usual case, is that colour's grey without gathering 12,000 values.
function borderMedian(words, width, height, greyAt) {
  const ring = ringOf(width, height), first = words[0];
  let uniform = true;
  for (let y = 0; y < height && uniform; y++) {
    const edge = y < ring || y >= height - ring;
    const row = y * width;
    if (edge) {
      for (let x = 0; x < width; x++) if (words[row + x] !== first) uniform = false;
    } else {
      for (let x = 0; x < ring; x++) if (words[row + x] !== first || words[row + width - 1 - x] !== first) uniform = false;
    }
  }
  if (uniform) return greyAt(0);
  const border = borderOf(greyAt, width, height, ring);
  return border.some(Number.isNaN) ? NaN : median(border);
}

function lanczos(x) {
  const sinc = (t) => (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t));
  return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

// Pillow's precompute_coeffs (Resample.c) for one axis: for every output pixel, the first input
// pixel it reads and its normalised weights. Kept: while the pen moves the box keeps its size.
const known = new Map();
function coefficients(inSize, outSize) {
  const key = `${inSize} ${outSize}`;
  if (!known.has(key)) {
    if (known.size > 256) known.clear();
    known.set(key, computeCoefficients(inSize, outSize));
  }
  return known.get(key);
}

function computeCoefficients(inSize, outSize) {
  const scale = inSize / outSize, filterScale = Math.max(scale, 1), support = 3 * filterScale;
  const taps = [];
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    const first = Math.max(0, Math.trunc(centre - support + 0.5));
    const last = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const weights = [];
    let total = 0;
    for (let x = first; x < last; x++) {
      const w = lanczos((x - centre + 0.5) * (1 / filterScale)); // Pillow multiplies by 1 / scale
      weights.push(w);
      total += w;
    }
    taps.push({ first, weights: total !== 0 ? weights.map((w) => w / total) : weights });
  }
  return taps;
}

// Pillow's Image.resize(..., LANCZOS) of a float ("F") image: horizontal pass, then vertical,
// each summed in double precision and stored as float32, as Pillow does.
export function resizeLanczos(values, width, height, outWidth, outHeight) {
  let image = values, w = width;
  if (outWidth !== width) {
    const taps = coefficients(width, outWidth), next = new Float32Array(outWidth * height);
    for (let y = 0; y < height; y++) {
      // Only the row's inked span adds anything (a zero times a weight adds exactly nothing):
      // most of a stroke's bounding box is empty paper.
      const row = y * w;
      let low = 0, high = w - 1;
      while (low <= high && image[row + low] === 0) low++;
      while (high >= low && image[row + high] === 0) high--;
      if (low > high) continue; // an empty row stays 0
      for (let x = 0; x < outWidth; x++) {
        const { first, weights } = taps[x];
        const from = Math.max(0, low - first), to = Math.min(weights.length - 1, high - first);
        let sum = 0;
        for (let k = from; k <= to; k++) sum += image[row + first + k] * weights[k];
        next[y * outWidth + x] = sum;
      }
    }
    image = next;
    w = outWidth;
  }
  if (outHeight !== height) {
    const taps = coefficients(height, outHeight), next = new Float32Array(w * outHeight);
    for (let y = 0; y < outHeight; y++) {
      const { first, weights } = taps[y];
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += image[(first + k) * w + x] * weights[k];
        next[y * w + x] = sum;
      }
    }
    image = next;
  }
  return image;
}

// The cropped ink scaled so its longer side is 20 pixels, aspect ratio kept, clipped to [0, 1].
function fitInBox(ink, width, [left, top, right, bottom]) {
  const cropWidth = right - left, cropHeight = bottom - top;
  const crop = new Float32Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) crop.set(ink.subarray((top + y) * width + left, (top + y) * width + right), y * cropWidth);
  const scale = DIGIT_BOX / Math.max(cropHeight, cropWidth);
  const outWidth = Math.max(1, roundHalfEven(cropWidth * scale)), outHeight = Math.max(1, roundHalfEven(cropHeight * scale));
  const digit = resizeLanczos(crop, cropWidth, cropHeight, outWidth, outHeight);
  for (let i = 0; i < digit.length; i++) digit[i] = Math.min(1, Math.max(0, digit[i]));
  return { digit, width: outWidth, height: outHeight };
}

// Place the digit in a 28x28 field with its centre of mass at (14, 14), no ink falling off.
function centreByMass({ digit, width, height }) {
  let total = 0, rowSum = 0, columnSum = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = digit[y * width + x];
      total += v;
      rowSum += v * y;
      columnSum += v * x;
    }
  }
  const clamp = (v, high) => Math.min(high, Math.max(0, v));
  const top = clamp(roundHalfEven(CENTRE[0] - rowSum / total), IMAGE_SIZE - height);
  const left = clamp(roundHalfEven(CENTRE[1] - columnSum / total), IMAGE_SIZE - width);
  const image = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let y = 0; y < height; y++) image.set(digit.subarray(y * width, (y + 1) * width), (top + y) * IMAGE_SIZE + left);
  const shift = [top - Math.floor((IMAGE_SIZE - height) / 2), left - Math.floor((IMAGE_SIZE - width) / 2)];
  return { image, shift };
}

// RGBA bytes of a drawing -> { status, message, image (784 Float32Array) or null, cropBox, shift }:
// cnn/net/preprocess.py's preprocess, with the same guards and words.
export function preprocess(rgba, width, height) {
  const ink = inkStrength(rgba, width, height);
  return digitFromInk(ink, width, height, inkedBox(ink, width, 0, height, () => 0, () => width - 1));
}

// The pixels whose ink counts (above the threshold) in rows [top, bottom), each row looked at
// from first(y) to last(y) only (the caller may know where a row's ink can be): how many, and
// their bounding box.
export function inkedBox(ink, width, top, bottom, first, last) {
  const box = { inked: 0, top: Infinity, bottom: -1, left: Infinity, right: -1 };
  for (let y = top; y < bottom; y++) {
    const row = y * width;
    for (let x = first(y), end = last(y); x <= end; x++) {
      if (ink[row + x] > INK_THRESHOLD) {
        box.inked++;
        if (y < box.top) box.top = y;
        if (y > box.bottom) box.bottom = y;
        if (x < box.left) box.left = x;
        if (x > box.right) box.right = x;
      }
    }
  }
  return box;
}

// Ink strength and its inked box -> the result above (the guards, then the 20x20 fit centred by mass).
export function digitFromInk(ink, width, height, { inked, top, bottom, left, right }) {
  const result = (status, extra = {}) => ({ status, message: MESSAGES[status], image: null, cropBox: null, shift: [0, 0], ...extra });
  if (!inked) return result("blank");
  const cropBox = [left, top, right + 1, bottom + 1];
  if (Math.max(bottom + 1 - top, right + 1 - left) < MIN_EXTENT * Math.min(width, height)) return result("too_small", { cropBox });
  if (inked / (width * height) > MAX_INK_FRACTION) return result("all_ink", { cropBox });
  const { image, shift } = centreByMass(fitInBox(ink, width, cropBox));
  return result("ok", { image, cropBox, shift });
}
