// "Your digit among 10,000": the map of the test digits (a picture, once per model version) with
// the drawing's dot on it. The dot moves while the pen moves: the page's own reading of the
// canvas (live/reader.js, the same network as the server's) gives the hidden Dense layer's 64
// activations, and among/map_math.js places them as the server does. Hovering (or touching) a
// point shows that test digit, cut from a sheet picture of 100 fetched when first needed.
//
// Data from ui/among_class.py, every run: { picture, map (the map's numbers, display/digit_map.py
// map_file), sheets (the folder of sheet pictures), alt, layer (the hidden Dense layer's name),
// server: { x, y, digit } where the server placed the drawing it received, or null; and what
// ui/live_reading.py page_network sends: weights, input, live }.

import { element } from "./lib/dom.js";
import { placeOnMap, pointUnder, readMap, sheetCell } from "./among/map_math.js";
import { followDrawing, sameInput, scheduleReading, serverInput } from "./live/reader.js";

const views = new WeakMap(); // parentElement -> what this mount keeps across reruns
const maps = new Map(); // map file URL -> Promise of the decoded map
const sheets = new Map(); // sheet picture URL -> Promise of the loaded image
const HOVER_RADIUS = 6; // picture pixels: a point's square is 3 px, a finger is wider

function mapAt(url) {
  if (!maps.has(url)) {
    const loading = fetch(url, { cache: "force-cache" })
      .then((response) => {
        if (!response.ok) throw new Error(`digit map: HTTP ${response.status}`);
        return response.json();
      })
      .then(readMap);
    loading.catch(() => maps.delete(url)); // asked again at the next run
    maps.set(url, loading);
  }
  return maps.get(url);
}

function sheetAt(url) {
  if (!sheets.has(url)) {
    sheets.set(
      url,
      new Promise((resolve, reject) => {
        const image = new Image();
        image.onload = () => resolve(image);
        image.onerror = () => {
          sheets.delete(url);
          reject(new Error(`digit sheet ${url} did not load`));
        };
        image.src = url;
      }),
    );
  }
  return sheets.get(url);
}

function build(root) {
  const frame = element("div", "among-map");
  const picture = element("img", "dm-picture");
  const dot = element("span", "among-dot");
  dot.hidden = true;
  const ring = element("span", "dm-ring");
  ring.hidden = true;
  const tip = element("figure", "dm-tip");
  tip.hidden = true;
  const digit = element("canvas", "dm-digit");
  digit.width = digit.height = 28;
  const caption = element("figcaption", "dm-caption");
  tip.append(digit, caption);
  frame.append(picture, ring, dot, tip);
  root.replaceChildren(frame);
  return { frame, picture, dot, ring, tip, digit, caption };
}

// A pixel of the picture (0 ... size) as a percentage of its side, so the picture may shrink.
const percent = (value, size) => `${((Math.min(size, Math.max(0, value)) / size) * 100).toFixed(2)}%`;

function mount(root, forget) {
  const view = { parts: build(root), data: {}, map: null, live: null };
  const { frame, dot, ring, tip, digit, caption } = view.parts;

  view.placeDot = (x, y, which, source) => {
    const size = view.data.size;
    dot.style.left = percent(x, size);
    dot.style.top = percent(y, size);
    dot.style.background = view.map ? view.map.colours[which] : "#fff";
    dot.hidden = false;
    root.dataset.dot = `${x.toFixed(2)},${y.toFixed(2)}`; // read by the tests
    root.dataset.dotFrom = source;
  };

  // The page's reading of the canvas, every frame the pen moves.
  const readLive = (reading) => {
    view.live = reading;
    if (!view.map) return;
    const hidden = reading.outputs && reading.outputs.find((o) => o.name === view.data.layer);
    if (!hidden) {
      dot.hidden = true; // nothing drawn (or too little): no place on the map
      root.dataset.dot = "";
      return;
    }
    const p = reading.probabilities;
    const started = performance.now();
    const [x, y] = placeOnMap(view.map, hidden.values);
    view.placeDot(x, y, p.indexOf(Math.max(...p)), "page");
    const done = performance.now();
    root.dataset.placeMilliseconds = (done - started).toFixed(3); // read by bench/among_page.py
    root.dataset.moveToPlacedMilliseconds = (done - reading.askedAt).toFixed(2);
  };
  const stop = followDrawing(() => (view.data.live ? view.data.weights : null), readLive, console.warn);

  // The server's place for the drawing it last received, unless the page has read a newer one.
  view.showServer = () => {
    const server = view.data.server;
    const input = serverInput(view.data);
    if (!server) return;
    if (view.live && view.data.live && !sameInput(view.live.image, input)) return;
    view.placeDot(server.x, server.y, server.digit, "server");
  };

  const hover = (event) => {
    if (!view.map) return;
    const box = frame.getBoundingClientRect();
    const size = view.data.size;
    const perPixel = size / box.width;
    const x = (event.clientX - box.left) * perPixel;
    const y = (event.clientY - box.top) * perPixel;
    const index = pointUnder(view.map, x, y, HOVER_RADIUS * Math.max(1, perPixel));
    if (index < 0) return leave();
    const label = view.map.labels[index];
    const read = view.map.predicted[index];
    const [px, py] = [view.map.xs[index], view.map.ys[index]];
    ring.style.left = percent(px, size);
    ring.style.top = percent(py, size);
    ring.hidden = false;
    caption.textContent = `a ${label}, test digit #${index}` + (read !== label ? `, read as ${read}` : "");
    tip.classList.toggle("dm-left", px > size / 2); // the tip on the side with room
    tip.classList.toggle("dm-up", py > size / 2);
    tip.style.left = percent(px, size);
    tip.style.top = percent(py, size);
    tip.hidden = false;
    root.dataset.hovered = String(index);
    const cell = sheetCell(view.map, index);
    const url = new URL(`${cell.sheet}.png`, new URL(view.data.sheets + "/", document.baseURI)).href;
    sheetAt(url).then((image) => {
      if (root.dataset.hovered !== String(index)) return; // the pointer moved on meanwhile
      const ctx = digit.getContext("2d");
      ctx.drawImage(image, cell.x, cell.y, 28, 28, 0, 0, 28, 28);
      digit.setAttribute("aria-label", caption.textContent);
    }, console.warn);
  };
  const leave = () => {
    ring.hidden = tip.hidden = true;
    root.dataset.hovered = "";
  };
  frame.addEventListener("pointermove", hover);
  frame.addEventListener("pointerdown", hover); // a tap on a phone
  // A finger's pointer "leaves" as it lifts: the tapped digit stays until a tap off the points.
  const left = (event) => event.pointerType === "touch" || leave();
  frame.addEventListener("pointerleave", left);

  view.unmount = () => {
    stop();
    frame.removeEventListener("pointermove", hover);
    frame.removeEventListener("pointerdown", hover);
    frame.removeEventListener("pointerleave", left);
    forget();
  };
  return view;
}

export default function (component) {
  const { parentElement, data } = component;
  const root = parentElement.querySelector(".dm-root");
  let view = views.get(parentElement);
  if (!view) {
    view = mount(root, () => views.delete(parentElement));
    views.set(parentElement, view);
  }
  // Called again with every run's data, without the cleanup: only the data changes.
  view.data = data || {};
  root.dataset.map = view.data.map || ""; // for the tests: the map file this run names
  const server = view.data.server;
  root.dataset.serverDot = server ? `${server.x.toFixed(2)},${server.y.toFixed(2)}` : "";
  const picture = view.parts.picture;
  if (picture.getAttribute("src") !== view.data.picture) picture.setAttribute("src", view.data.picture);
  picture.alt = view.data.alt || "";
  view.parts.frame.style.maxWidth = `${view.data.size}px`;
  const url = view.data.map;
  mapAt(url).then((map) => {
    if (view.data.map !== url) return; // a newer model's map was asked for meanwhile
    const first = view.map !== map;
    view.map = map;
    root.dataset.state = "ready";
    view.showServer();
    if (first && view.data.live) scheduleReading(); // the drawing as it is now, by the page's own reading
  }, console.warn);
  if (view.map) view.showServer();
  return view.unmount;
}
