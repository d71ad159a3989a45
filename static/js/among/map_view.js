// The map of the 10,000 test digits as the page shows it, wherever it is shown (the chapter's
// piece, static/js/digit_map.js, and the lecture view's panel for a hidden unit): the picture,
// the drawing's dot, and the test digit under the pointer, a finger or the keyboard's cursor,
// cut from a sheet picture of 100 fetched when first needed. It places what it is given; who
// reads the drawing is the caller's business.
//
//     const map = mapView(root);       // root: an element of its own, kept across redraws
//     map.show({ picture, map, sheets, size, alt }).then(...);   // the published files
//     map.placeHidden(values, digit, "page");                    // the hidden layer's 64
//
// What the tests read is on root's dataset: state, dot, dotFrom, hovered, placeMilliseconds.

import { element } from "../lib/dom.js";
import { fetchedOnce } from "../lib/fetched.js";
import { placeOnMap, pointUnder, readMap, sheetCell } from "./map_math.js";
import { sheetAt } from "./sheets.js";

const maps = new Map(); // map file URL -> Promise of the decoded map
const HOVER_RADIUS = 6; // picture pixels: a point's square is 3 px, a finger is wider
const KEY_STEP = 6; // picture pixels per arrow key (Shift: four times as far)
const KEY_RADIUS = 14; // the keyboard's cursor takes the nearest point this close
// Its style travels with it: the lecture view's shadow root has none of the chapter's CSS.
const STYLE = "app/static/components/digit_map.css";

const mapAt = (url) => fetchedOnce(maps, url, (response) => response.json().then(readMap), "digit map");

// A pixel of the picture (0 ... size) as a percentage of its side, so the picture may shrink.
const percent = (value, size) => `${((Math.min(size, Math.max(0, value)) / size) * 100).toFixed(2)}%`;

function build(root) {
  const style = element("link");
  style.rel = "stylesheet";
  style.href = new URL(STYLE, document.baseURI).href;
  const frame = element("div", "among-map");
  frame.tabIndex = 0;
  frame.dataset.focus = "map"; // the lecture view gives the focus back to it after each redraw
  frame.setAttribute("role", "application");
  frame.setAttribute(
    "aria-label",
    "Map of the test digits. Arrow keys move a cursor to the nearest test digit and show it; Escape hides it.",
  );
  const picture = element("img", "dm-picture");
  const dot = element("span", "among-dot");
  dot.hidden = true;
  const ring = element("span", "dm-ring");
  ring.hidden = true;
  const cursor = element("span", "dm-cursor");
  cursor.hidden = true;
  const tip = element("figure", "dm-tip");
  tip.hidden = true;
  const digit = element("canvas", "dm-digit");
  digit.width = digit.height = 28;
  const caption = element("figcaption", "dm-caption");
  caption.setAttribute("aria-live", "polite");
  tip.append(digit, caption);
  frame.append(picture, ring, cursor, dot, tip);
  root.replaceChildren(style, frame);
  return { frame, picture, dot, ring, cursor, tip, digit, caption };
}

export function mapView(root) {
  const parts = build(root);
  const { frame, picture, dot, ring, cursor, tip, digit, caption } = parts;
  const view = { map: null, source: {}, keyAt: null };
  const size = () => view.source.size;

  // Load (once per file) and show the published map; resolves to the decoded map, or null when a
  // newer source was shown meanwhile.
  view.show = (source) => {
    view.source = source || {};
    if (picture.getAttribute("src") !== view.source.picture) picture.setAttribute("src", view.source.picture);
    picture.alt = view.source.alt || "";
    frame.style.maxWidth = `${view.source.size}px`;
    root.dataset.map = view.source.map || ""; // for the tests: the map file this run names
    const url = view.source.map;
    return mapAt(url).then((map) => {
      if (view.source.map !== url) return null; // a newer model's map was asked for meanwhile
      view.map = map;
      root.dataset.state = "ready";
      return map;
    });
  };

  view.placeAt = (x, y, which, from) => {
    dot.style.left = percent(x, size());
    dot.style.top = percent(y, size());
    dot.style.background = view.map ? view.map.colours[which] : "#fff";
    dot.hidden = false;
    root.dataset.dot = `${x.toFixed(2)},${y.toFixed(2)}`; // read by the tests
    root.dataset.dotFrom = from;
  };

  // The hidden Dense layer's activations (null: nothing drawn) -> the dot; false before the map is in.
  view.placeHidden = (values, which, from) => {
    if (!view.map) return false;
    if (!values) {
      dot.hidden = true; // nothing drawn (or too little): no place on the map
      root.dataset.dot = "";
      return true;
    }
    const started = performance.now();
    const [x, y] = placeOnMap(view.map, values);
    view.placeAt(x, y, which, from);
    root.dataset.placeMilliseconds = (performance.now() - started).toFixed(3); // read by bench/among_page.py
    return true;
  };
  view.dotAt = () => (dot.hidden ? null : root.dataset.dot.split(",").map(Number));

  // Show test digit `index` (ring, picture, words), or hide the tip (-1).
  const showPoint = (index) => {
    if (index < 0) return leave();
    const map = view.map;
    const label = map.labels[index];
    const read = map.predicted[index];
    const [px, py] = [map.xs[index], map.ys[index]];
    ring.style.left = percent(px, size());
    ring.style.top = percent(py, size());
    ring.hidden = false;
    caption.textContent = `a ${label}, test digit #${index}` + (read !== label ? `, read as ${read}` : "");
    tip.classList.toggle("dm-left", px > size() / 2); // the tip on the side with room
    tip.classList.toggle("dm-up", py > size() / 2);
    tip.style.left = percent(px, size());
    tip.style.top = percent(py, size());
    tip.hidden = false;
    root.dataset.hovered = String(index);
    const cell = sheetCell(map, index);
    const url = new URL(`${cell.sheet}.png`, new URL(view.source.sheets + "/", document.baseURI)).href;
    sheetAt(url).then((image) => {
      if (root.dataset.hovered !== String(index)) return; // the pointer moved on meanwhile
      digit.getContext("2d").drawImage(image, cell.x, cell.y, 28, 28, 0, 0, 28, 28);
      digit.setAttribute("aria-label", caption.textContent);
    }, console.warn);
  };
  const leave = () => {
    ring.hidden = tip.hidden = true;
    root.dataset.hovered = "";
  };

  const hover = (event) => {
    if (!view.map) return;
    const box = frame.getBoundingClientRect();
    const perPixel = size() / box.width;
    const x = (event.clientX - box.left) * perPixel;
    const y = (event.clientY - box.top) * perPixel;
    showPoint(pointUnder(view.map, x, y, HOVER_RADIUS * Math.max(1, perPixel)));
  };
  // A finger's pointer "leaves" as it lifts: the tapped digit stays until a tap off the points.
  const left = (event) => event.pointerType === "touch" || leave();

  // The keyboard: a cursor starting at the dot (or the middle), moved by the arrows; the nearest
  // test digit within reach of it is shown, as a hover would.
  const key = (event) => {
    if (!view.map) return;
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (event.key === "Escape") {
      view.keyAt = null;
      cursor.hidden = true;
      return leave();
    }
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault(); // the arrows would scroll the page
    const step = KEY_STEP * (event.shiftKey ? 4 : 1);
    const [x0, y0] = view.keyAt || view.dotAt() || [size() / 2, size() / 2];
    const clamp = (v) => Math.max(0, Math.min(size(), v));
    view.keyAt = [clamp(x0 + move[0] * step), clamp(y0 + move[1] * step)];
    cursor.style.left = percent(view.keyAt[0], size());
    cursor.style.top = percent(view.keyAt[1], size());
    cursor.hidden = false;
    root.dataset.cursor = view.keyAt.map((v) => v.toFixed(1)).join(",");
    showPoint(pointUnder(view.map, view.keyAt[0], view.keyAt[1], KEY_RADIUS));
  };
  // Only hidden: the lecture view moves the map into each new panel, which blurs it, and puts the
  // focus back; the cursor stays where it was for the next arrow.
  const blurred = () => (cursor.hidden = true);

  frame.addEventListener("pointermove", hover);
  frame.addEventListener("pointerdown", hover); // a tap on a phone
  frame.addEventListener("pointerleave", left);
  frame.addEventListener("keydown", key);
  frame.addEventListener("blur", blurred);
  view.unmount = () => {
    frame.removeEventListener("pointermove", hover);
    frame.removeEventListener("pointerdown", hover);
    frame.removeEventListener("pointerleave", left);
    frame.removeEventListener("keydown", key);
    frame.removeEventListener("blur", blurred);
  };
  return view;
}
