// One reading of the drawing per animation frame while the pen moves, shared by every piece of
// ours on the page that shows it (live_reading.js under the canvas, the lecture view, the
// feature-map grids): the canvas's pixels are read, preprocessed and run through the network
// once, in the page, and each follower gets the same result. No round trip: it goes on when the
// connection drops.
//
//     const stop = followDrawing(() => weightsUrl, (reading) => ...);   // stop() when unmounted
//
// reading: { message, image (Float32Array 784 | null), outputs (network.js forward, or null),
// probabilities (Array of 10 | null), network, milliseconds (reading the canvas, preprocessing and
// the forward pass) and parts (each of the three on its own), askedAt (the
// performance.now() of the pen move that asked for it) }.

import { bytes } from "../lib/bytes.js";
import { CanvasPixels } from "./canvas_pixels.js";
import { forward, readWeights } from "../net/network.js";
import { LivePreprocess } from "../net/preprocess_live.js";

const HOST = "[data-testid='stBidiComponentIsolated']";
const networks = new Map(); // weights URL -> Promise of the network (one download per model version)
const followers = new Set(); // { weights: () => URL, onReading, onError }
// What the last reading read (its rgba, size and the region read again), for the tests that
// hold the kept picture to the canvas read whole.
export const lastRead = () => pixels.last;
let frame = 0;
let askedAt = 0; // when the first ask of the coming frame came (the pen move's time, near enough)
const pixels = new CanvasPixels(); // the drawing, kept between frames: the pen's path read again
const preprocessing = new LivePreprocess(); // and what preprocessing made of it: the same box worked out again
let detach = null;

// The network of one weights file, fetched once per page (the name changes with the model, so
// the browser's cache can keep it for good). A failed download stays failed until a new run of
// the page asks again (retryWeights): every frame would otherwise fetch it once more.
export function network(url) {
  if (!networks.has(url)) {
    const loading = fetch(url, { cache: "force-cache" })
      .then((response) => {
        if (!response.ok) throw new Error(`weights: HTTP ${response.status}`);
        return response.arrayBuffer();
      })
      .then(readWeights);
    loading.failed = false;
    loading.catch(() => (loading.failed = true));
    networks.set(url, loading);
  }
  return networks.get(url);
}

export function retryWeights(url) {
  if (networks.get(url)?.failed) networks.delete(url);
}

// The server's own 28 x 28 input, as the pieces are sent it (ui/live_reading.py page_network).
export const serverInput = (data) => (data && data.input ? new Float32Array(bytes(data.input).buffer) : null);

// The drawable canvas's layers, bottom to top: its background, the finished strokes and the
// stroke being drawn (Fabric draws that one on the upper canvas until the pen lifts).
export function canvasLayers() {
  for (const host of document.querySelectorAll(HOST)) {
    const root = host.shadowRoot;
    const layers = root ? [...root.querySelectorAll(".dc-root canvas")] : [];
    if (layers.some((c) => c.classList.contains("upper-canvas"))) return layers;
  }
  return null;
}

// The canvas as it is now, read by the network of `url`.
export async function readDrawing(url) {
  const layers = canvasLayers();
  if (!layers) return null;
  const net = await network(url);
  const started = performance.now();
  const { rgba, width, height, region } = pixels.read(layers);
  const read = performance.now();
  const prepared = preprocessing.run(rgba, width, height, region);
  const preprocessed = performance.now();
  const outputs = prepared.image ? forward(net, prepared.image) : null;
  const done = performance.now();
  return {
    message: prepared.message,
    image: prepared.image,
    outputs,
    probabilities: outputs ? Array.from(outputs.at(-1).values) : null,
    network: net,
    milliseconds: done - started,
    parts: { canvas: read - started, preprocess: preprocessed - read, forward: done - preprocessed },
  };
}

let waitingForCanvas = 0; // frames tried without a canvas on the page yet

async function readForEveryone() {
  frame = 0;
  const asked = askedAt;
  const byUrl = new Map(); // one reading per weights file (normally one for the whole page)
  for (const follower of followers) {
    const url = follower.weights();
    if (!url || networks.get(url)?.failed) continue; // said once already, by the first failure
    if (!byUrl.has(url)) byUrl.set(url, readDrawing(url));
    byUrl
      .get(url)
      .then((reading) => reading && follower.onReading({ ...reading, askedAt: asked }))
      .catch(follower.onError);
  }
  const readings = await Promise.allSettled(byUrl.values());
  // The network may be ready before the canvas is mounted (a reload, the weights cached): look
  // again for a few seconds, or the first reading would wait for the first pen move.
  if (readings.some((r) => r.status === "fulfilled" && r.value === null) && waitingForCanvas++ < 20) {
    setTimeout(scheduleReading, 250);
  } else if (readings.some((r) => r.value)) waitingForCanvas = 0;
}

// Ask for a reading in the next animation frame (several asks in one frame make one reading).
export function scheduleReading() {
  if (frame || !followers.size) return;
  askedAt = performance.now();
  frame = requestAnimationFrame(() => readForEveryone());
}

// Every pen move over the page (on the canvas, or beyond it: the stroke goes on), a press on
// Undo or Clear, asks for a reading; a move has only the box around the pen's path read again
// (live/canvas_pixels.js). A move with no button pressed draws nothing: hovering costs no
// reading. Attached once for all followers.
function attach() {
  const moved = (event) => {
    if (!(event.buttons || event.pointerType === "touch")) return;
    pixels.penAt(event.clientX, event.clientY);
    scheduleReading();
  };
  const touched = (event) => {
    for (const touch of event.changedTouches) pixels.penAt(touch.clientX, touch.clientY);
    scheduleReading();
  };
  // Anything but the pen moving may change any pixel: the next reading reads them all.
  const readAll = () => {
    pixels.readAll();
    scheduleReading();
  };
  // Undo/Clear repaint after the click's own frame, and when the pen lifts Fabric clears the
  // stroke from its upper canvas at once but paints it onto the lower one a frame later: a
  // reading in between finds no ink. So those are read a moment later, never at once, and
  // whole; a reading still due from the pen's last move is dropped (the last one stands).
  const settle = () => setTimeout(readAll, 60);
  const lifted = () => {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    settle();
  };
  const pressed = (event) => {
    pixels.penDown(event.clientX, event.clientY);
    scheduleReading();
  };
  const listeners = [
    ["pointerdown", pressed],
    ...["click", "keyup"].map((name) => [name, readAll]),
    ["pointermove", moved],
    ["touchmove", touched],
    ["scroll", () => pixels.moved()],
    ["click", settle],
    ...["pointerup", "touchend"].map((name) => [name, lifted]),
  ];
  for (const [name, listener] of listeners) document.addEventListener(name, listener, { passive: true, capture: true });
  return () => {
    for (const [name, listener] of listeners) document.removeEventListener(name, listener, { capture: true });
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
  };
}

export function followDrawing(weights, onReading, onError = console.warn) {
  const follower = { weights, onReading, onError };
  followers.add(follower);
  if (!detach) detach = attach();
  return () => {
    followers.delete(follower);
    if (!followers.size && detach) {
      detach();
      detach = null;
    }
  };
}

// The page's input and the server's agree to a byte (the two preprocessings differ by < 1e-4).
export function sameInput(image, serverImage) {
  if (!image || !serverImage || image.length !== serverImage.length) return false;
  for (let i = 0; i < image.length; i++) if (Math.abs(image[i] - serverImage[i]) > 1 / 255) return false;
  return true;
}

// Whether what the server last said (the answer under the canvas, the Prediction, the dense
// net's line: all computed on the server) is about the drawing on screen. While the pen moves
// it is not: <html data-server-answer="previous"> lets page.css set those lines back, so the
// page never says 7 in full colour beside a 3 being drawn.
export function forgetServerAnswer() {
  delete document.documentElement.dataset.serverAnswer; // the piece that knew is gone
}

export function markServerAnswer(image, serverImage) {
  const state = sameInput(image, serverImage) || (!image && !serverImage) ? "current" : "previous";
  if (document.documentElement.dataset.serverAnswer !== state) document.documentElement.dataset.serverAnswer = state;
}
