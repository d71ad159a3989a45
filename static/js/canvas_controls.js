// Undo, Redo and Clear for streamlit-drawable-canvas, as buttons of our own under the canvas.
//
// Why: the canvas's floating toolbar is invisible at rest but its box still covers the top band
// of the canvas, so a stroke that starts there (the top of a 7 or a 5) hits the toolbar and is
// lost. We hide that toolbar and press its buttons from here instead: the library keeps doing the
// undo/redo/reset itself, in the browser, with no round trip to the server. Clear is therefore
// instant, and a stroke started right after it is kept (a Python-side Clear that swaps the whole
// canvas lands ~0.2 s later and wipes such a stroke).
//
// It also zooms the canvas to its column (canvas_fit.js): one component under the canvas, not two.
//
// In the detailed view the same piece holds the live reading under the buttons (ui/live_reading.py:
// one element per stroke instead of two). The buttons and the zoom are mounted at once, as in a
// piece of their own; the live reading's module (the network's code) is imported after, so the
// canvas is fitted to a phone's screen before the student's first stroke.

import { fitCanvas } from "./canvas_fit.js";
import { element } from "./lib/dom.js";

const HOST = "[data-testid='stBidiComponentIsolated']";
const TOOLBAR_STYLE = ".dc-toolbar { display: none !important; }";
const LIBRARY_BUTTON = { undo: "Undo", redo: "Redo", clear: "Reset canvas & history" };

function canvasRoot() {
  for (const host of document.querySelectorAll(HOST)) {
    const root = host.shadowRoot;
    if (root && root.querySelector(".dc-root")) return root;
  }
  return null;
}

function hideToolbar(root) {
  if (root.querySelector("style[data-digit-lens]")) return;
  const style = element("style", "", TOOLBAR_STYLE);
  style.dataset.digitLens = "toolbar";
  root.appendChild(style);
}

const pieces = new WeakMap(); // parentElement -> the piece with the live reading: its parts, across reruns

export default function (component) {
  const { parentElement } = component;
  if (!parentElement.querySelector(".lr-root")) return controls(component);
  let piece = pieces.get(parentElement);
  if (!piece) {
    // Streamlit calls this again with every run's data (the reading's changes every stroke),
    // without the cleanup first: the buttons are mounted once, the reading gets each run's data.
    piece = { unmountControls: controls(component), read: null, unmountReading: null };
    piece.cleanup = () => {
      piece.unmountControls();
      piece.unmountReading?.();
      pieces.delete(parentElement);
    };
    pieces.set(parentElement, piece);
    import("./live_reading.js").then(({ default: read }) => {
      if (pieces.get(parentElement) !== piece) return; // unmounted meanwhile
      piece.read = read;
      piece.unmountReading = read(piece.latest);
    });
  }
  piece.latest = component;
  if (piece.read) piece.unmountReading = piece.read(component);
  return piece.cleanup;
}

function controls({ parentElement, data }) {
  const ownRoot = parentElement.getRootNode();
  const buttons = [...parentElement.querySelectorAll("button[data-action]")];
  const libraryButton = (action) => {
    const root = canvasRoot();
    return root && root.querySelector(`.dc-toolbar button[aria-label="${LIBRARY_BUTTON[action]}"]`);
  };
  const mirrorDisabled = () => {
    for (const button of buttons) {
      const original = libraryButton(button.dataset.action);
      const disabled = !original || (button.dataset.action !== "clear" && original.disabled);
      if (button.disabled !== disabled) button.disabled = disabled; // no-op writes would re-trigger the observer
    }
  };
  // The canvas may mount after us, or again when the page switches back to drawing, and its
  // undo/redo buttons are enabled and disabled after each stroke: all of it shows up as DOM
  // changes, in the page or inside the canvas's shadow root.
  const observed = new WeakSet();
  const observer = new MutationObserver(() => mend());
  const watch = (node) => {
    if (observed.has(node) || node === ownRoot) return;
    observed.add(node);
    observer.observe(node, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });
  };
  const mend = () => {
    for (const host of document.querySelectorAll(HOST)) if (host.shadowRoot) watch(host.shadowRoot);
    const root = canvasRoot();
    if (root) hideToolbar(root);
    mirrorDisabled();
  };
  for (const button of buttons) {
    button.onclick = () => libraryButton(button.dataset.action)?.click();
  }
  observer.observe(document.body, { childList: true, subtree: true });
  mend();
  const unfit = fitCanvas(data.pixels);
  return () => {
    observer.disconnect();
    unfit();
  };
}
