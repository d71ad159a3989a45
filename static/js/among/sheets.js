// The 10,000 test digits as the page gets them: sheet pictures of 100 (display/digit_map.py
// digit_sheet, written once per test set by the server), each fetched the first time one of its
// digits is needed and kept. Used by the map's hover (among/map_view.js) and the units' digits
// in the lecture view's panel (lecture/closeup.js).

import { sheetCell } from "./map_math.js";

const sheets = new Map(); // sheet picture URL -> Promise of the loaded image

export function sheetAt(url) {
  if (!sheets.has(url)) {
    sheets.set(
      url,
      new Promise((resolve, reject) => {
        const image = new Image();
        image.onerror = () => {
          sheets.delete(url);
          reject(new Error(`digit sheet ${url} did not load`));
        };
        image.src = url;
        // Decoded now, while nothing waits on it: otherwise Chromium decodes a sheet on its first
        // drawImage, inside the click that shows a unit's digits (up to nine sheets at once).
        image.decode().then(() => resolve(image), image.onerror);
      }),
    );
  }
  return sheets.get(url);
}

// Draw test digit `index`'s [top, left, size] crop on `canvas` (size x size). folder: the sheets'
// address; layout: { digits, columns } per sheet. Resolves when drawn.
export function drawTestDigit(canvas, folder, layout, index, [top, left, size] = [0, 0, 28]) {
  const cell = sheetCell({ sheet: layout }, index);
  const url = new URL(`${cell.sheet}.png`, new URL(folder + "/", document.baseURI)).href;
  return sheetAt(url).then((image) => {
    canvas.getContext("2d").drawImage(image, cell.x + left, cell.y + top, size, size, 0, 0, size, size);
  });
}

const prefetched = new Set(); // sheets folders asked for whole

// Fetch every sheet of `folder` (count of them), a few at a time, once per page: the lecture view
// does it when its first unit panel opens, so that any unit's digits show at once after that
// (about 2 MB for MNIST's 10,000, once per test set: the names never change, the browser keeps them).
export function prefetchSheets(folder, count, atOnce = 4) {
  if (prefetched.has(folder)) return;
  prefetched.add(folder);
  const base = new URL(folder + "/", document.baseURI);
  let next = 0;
  const more = () => {
    if (next >= count) return;
    const url = new URL(`${next++}.png`, base).href;
    sheetAt(url).then(more, more);
  };
  for (let i = 0; i < atOnce; i++) more();
}
