// The network reading the drawing while the pen moves, in the page: right under the canvas, the
// answer line, the ten probabilities and the 28x28 input, updated at most once per animation
// frame from the canvas's own pixels (static/js/net/: the same preprocessing and network as the
// server's, held to them by tests). It needs no round trip, so it goes on reading when the
// connection drops; the server's answer for the finished stroke arrives as before.
//
// Data from ui/live_reading.py: { weights: the weights file's address, relative to the page (a
// new name per model version, so a retrain switches every open page at its next rerun), input:
// the server's 28 x 28 input (base64 float32) or null, server: its ten probabilities, or null,
// dense_weights: the dense net's weights, when the chapter that compares the two is open: then its
// line, under the row, follows the pen too }.
// While the page's input is not the server's, the server's lines are marked as about the
// previous drawing (live/reader.js markServerAnswer).

import { GREY } from "./lib/colour.js";
import { digitBars, element, paintTile, showBars } from "./lib/dom.js";
import {
  followDrawing,
  forgetServerAnswer,
  markServerAnswer,
  network,
  retryWeights,
  scheduleReading,
  serverInput,
} from "./live/reader.js";
import { newestCleanup } from "./lib/cleanup.js";
import { forward } from "./net/network.js";
import { drawServerReading } from "./server_reading.js";

const views = new WeakMap(); // parentElement -> what this mount keeps across reruns

function build(root) {
  const answer = element("p", "lr-answer");
  answer.setAttribute("aria-live", "polite");
  const ten = digitBars("lr");
  const { bars, rows } = ten;
  bars.setAttribute("role", "img");
  bars.setAttribute("aria-label", "The ten probabilities, once something is drawn");
  const input = element("canvas", "lr-input");
  input.width = input.height = 28;
  input.setAttribute("role", "img");
  input.setAttribute("aria-label", "The 28 by 28 image the network receives, as the page computes it");
  const frame = element("div", "lr");
  frame.append(answer, bars, input); // one row: the canvas's column must keep the server's answer on screen
  const dense = element("p", "lr-dense");
  dense.hidden = true;
  root.replaceChildren(frame, dense);
  return { answer, bars, rows, ten, input, dense };
}

function show(parts, reading) {
  if (!reading.probabilities) {
    parts.answer.textContent = reading.message;
    parts.answer.dataset.digit = "";
    parts.rows.forEach(({ fill }) => (fill.style.height = "0%"));
    parts.bars.setAttribute("aria-label", reading.message);
  } else {
    const p = reading.probabilities;
    const digit = p.indexOf(Math.max(...p));
    parts.answer.replaceChildren("Live: ", element("strong", "", String(digit)), ` ${Math.round(p[digit] * 100)}%`);
    parts.answer.dataset.digit = String(digit);
    showBars(parts.ten, p, digit);
    parts.bars.setAttribute("aria-label", `Probabilities: ${Array.from(p, (v, i) => `${i}: ${Math.round(v * 100)}%`).join(", ")}`);
  }
  const pixels = Uint8Array.from(reading.image || new Float32Array(784), (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  paintTile(parts.input.getContext("2d"), pixels, 0, 28, 28, 0, 0, 28, GREY);
}

// The dense net's line: the same 28 x 28 input through its own network, in the page too.
function showDense(root, line, dense, reading) {
  line.hidden = !dense;
  const image = dense && reading && reading.image;
  root.dataset.denseProbabilities = "";
  if (!dense) return;
  if (!image) {
    line.textContent = "";
    return;
  }
  const started = performance.now();
  const p = Array.from(forward(dense, image).at(-1).values);
  root.dataset.denseMilliseconds = (performance.now() - started).toFixed(2); // read by bench/browser_network.py
  root.dataset.denseProbabilities = JSON.stringify(p); // and by the tests
  const digit = p.indexOf(Math.max(...p));
  line.replaceChildren("Live, the dense net: ", element("strong", "", String(digit)), ` ${Math.round(p[digit] * 100)}%`);
}

function followDense(view, root) {
  const url = view.data.dense_weights || null;
  root.dataset.denseWeights = url || "";
  if (!url) {
    view.dense = view.denseUrl = null;
    return;
  }
  if (view.dense && view.denseUrl === url) return;
  retryWeights(url);
  network(url).then((dense) => {
    if ((view.data.dense_weights || null) !== url) return; // closed or replaced meanwhile
    view.dense = dense;
    view.denseUrl = url;
    scheduleReading();
  }, (error) => console.warn("the dense net stays on the server:", error));
}

export default function (component) {
  const { parentElement, data } = component;
  const root = parentElement.querySelector(".lr-root");
  let view = views.get(parentElement);
  if (!view) {
    view = mount(root, () => views.delete(parentElement));
    views.set(parentElement, view);
  }
  // Streamlit calls this again with every new run's data, without calling the cleanup first:
  // only the data changes here, the listeners stay those of the mount.
  view.data = data || {};
  view.serverImage = serverInput(view.data);
  // The server's Prediction and input, in the places beside (server_reading.js).
  drawServerReading(view.data, component.setTriggerValue);
  requestAnimationFrame(() => drawServerReading(view.data, component.setTriggerValue));
  root.dataset.weights = view.data.weights || "";
  // The server's reading of the last drawing it received, for the tests that hold the two together.
  root.dataset.serverProbabilities = view.data.server ? JSON.stringify(view.data.server) : "";
  followDense(view, root);
  if (!view.dense) showDense(root, view.parts.dense, null, null);
  if (view.data.weights) {
    retryWeights(view.data.weights);
    network(view.data.weights).then(() => {
      if (root.dataset.state !== "live") root.dataset.state = "ready";
      scheduleReading(); // a (re)mount or a new model version reads the drawing as it is now
    }, view.showError);
  }
  return newestCleanup(view, view.unmount);
}

function mount(root, forget) {
  root.dataset.state = "loading";
  const view = { parts: build(root), data: {} };
  view.showError = (error) => {
    root.dataset.state = "failed";
    view.parts.answer.textContent = "The page could not run the network itself; the server's answer follows each stroke.";
    console.warn(error);
  };
  const shown = (reading) => {
    show(view.parts, reading);
    showDense(root, view.parts.dense, view.dense, reading);
    markServerAnswer(reading.image, view.serverImage);
    root.dataset.state = "live";
    root.dataset.milliseconds = reading.milliseconds.toFixed(2); // read by bench/browser_network.py
    root.dataset.parts = JSON.stringify(reading.parts);
    root.dataset.probabilities = reading.probabilities ? JSON.stringify(reading.probabilities) : ""; // and by the tests
  };
  const stop = followDrawing(() => view.data.weights, shown, view.showError);
  view.unmount = () => {
    stop();
    forgetServerAnswer();
    forget(); // a later mount on the same element starts afresh
  };
  return view;
}
