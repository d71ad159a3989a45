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
const LUMA = [0.299, 0.587, 0.114].map((weight) => Float64Array.from({ length: 256 }, (_, v) => Math.fround(v / 255) * weight));

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

// -> ink strength in [0, 1], light on dark, (H, W) row-major: cnn/net/preprocess.py ink_strength.
export function inkStrength(rgba, width, height) {
  const values = grey(rgba, width, height);
  const ring = Math.max(1, roundHalfEven(Math.min(height, width) * BORDER));
  const border = [];
  for (let y = 0; y < ring; y++) for (let x = 0; x < width; x++) border.push(values[y * width + x]);
  for (let y = height - ring; y < height; y++) for (let x = 0; x < width; x++) border.push(values[y * width + x]);
  for (let y = 0; y < height; y++) for (let x = 0; x < ring; x++) border.push(values[y * width + x]);
  for (let y = 0; y < height; y++) for (let x = width - ring; x < width; x++) border.push(values[y * width + x]);
  let background = median(border);
  const invert = background > 0.5; // dark ink on a light background
  if (invert) background = 1 - background;
  let peak = 0;
  for (let i = 0; i < values.length; i++) {
    const ink = (invert ? 1 - values[i] : values[i]) - background;
    values[i] = ink > 0 ? ink : 0;
    if (values[i] > peak) peak = values[i];
  }
  if (peak > 0) {
    const scale = Math.fround(1 / peak);
    for (let i = 0; i < values.length; i++) values[i] *= scale;
  }
  return values;
}

function lanczos(x) {
  const sinc = (t) => (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t));
  return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

// Pillow's precompute_coeffs (Resample.c) for one axis: for every output pixel, the first input
// pixel it reads and its normalised weights.
function coefficients(inSize, outSize) {
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
      for (let x = 0; x < outWidth; x++) {
        const { first, weights } = taps[x];
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += image[y * w + first + k] * weights[k];
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
  let top = height, bottom = -1, left = width, right = -1, inked = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > INK_THRESHOLD) {
        inked++;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  const result = (status, extra = {}) => ({ status, message: MESSAGES[status], image: null, cropBox: null, shift: [0, 0], ...extra });
  if (!inked) return result("blank");
  const cropBox = [left, top, right + 1, bottom + 1];
  if (Math.max(bottom + 1 - top, right + 1 - left) < MIN_EXTENT * Math.min(width, height)) return result("too_small", { cropBox });
  if (inked / (width * height) > MAX_INK_FRACTION) return result("all_ink", { cropBox });
  const { image, shift } = centreByMass(fitInBox(ink, width, cropBox));
  return result("ok", { image, cropBox, shift });
}
