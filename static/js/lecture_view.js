// The lecture view: the whole network reading one drawing, every unit clickable, moving while
// the pen moves. The page runs the network itself (live/reader.js: one reading per animation
// frame, shared with the other pieces) and makes the view's numbers from it
// (net/lecture_payload.js); the server sends what belongs to the model (display/lecture.py
// lecture_meta), its own input and the close-up of the chosen unit. Layer names, shapes,
// parameter counts, the predicted digit and the close-up's numbers are HTML text, not pixels.
// This module holds what the person chose and puts the pieces together: lecture/layout.js
// sizes, lecture/network.js draws the network, lecture/inspector.js the chosen unit,
// lecture/animator.js steps through it, among/map_view.js the map in a hidden unit's panel.
//
// The input can be edited pixel by pixel ("Edit pixels" under it: mouse, finger, or the arrow
// keys and Space, as in static/js/input_editor.js): every layer then shows the edited input, read
// in the page; the drawing on the canvas stays as it is, and a new drawing ends the editing.
//
// Streamlit calls the default export again with new data after every stroke, on the same
// parentElement, without the cleanup in between; what the person chose (the unit) and the
// subscription to the pen live in `views` across those calls.

import { bytes } from "./lib/bytes.js";
import { element } from "./lib/dom.js";
import { strongestUnit } from "./lib/geometry.js";
import { Animator } from "./lecture/animator.js";
import { inspector, unitInspector } from "./lecture/inspector.js";
import { SIDE, applyTool, changedPixels, flipTool, keyAction, moveCursor, pixelAt } from "./among/pixel_edit.js";
import { mapView } from "./among/map_view.js";
import { forward } from "./net/network.js";
import { unitDigits } from "./lecture/unit_digits.js";
import { prefetchSheets } from "./among/sheets.js";
import { COLUMN_GAP, INSPECTOR_WIDTH, chooseLayout, fixedWidth, inputSize } from "./lecture/layout.js";
import { drawNetwork } from "./lecture/network.js";
import { lecturePayload } from "./net/lecture_payload.js";
import { followDrawing, forgetServerAnswer, markServerAnswer, network, retryWeights, sameInput, scheduleReading, serverInput } from "./live/reader.js";
import { newestCleanup } from "./lib/cleanup.js";
import { pressHold } from "./lib/press_hold.js";
import { drawServerReading } from "./server_reading.js";

const HINT = "Click any map, dense unit or digit to open it; hover a dense unit or a digit to see what feeds it.";
const views = new WeakMap();

export default function (component) {
  const { parentElement, data, setStateValue } = component;
  const root = parentElement.querySelector(".lv-root");
  let view = views.get(parentElement);
  if (!view) {
    view = mount(root, () => views.delete(parentElement));
    views.set(parentElement, view);
  }
  view.setStateValue = setStateValue;
  drawServerReading(data); // the readout under the canvas (server_reading.js)
  requestAnimationFrame(() => drawServerReading(data));
  view.asking = false; // a smallest change asked for comes with the run that follows the ask
  view.meta = data && data.layers ? decodedMeta(data) : null;
  if (!view.meta) return newestCleanup(view, view.unmount);
  if (data.selected && !view.selected) view.selected = data.selected;
  if (data.map && data.map.map) shownMap(view).show(data.map).then(() => view.data && render(root, view), console.warn);
  askAgainWhileFinding(view);
  view.refit = true;
  retryWeights(view.meta.weights);
  network(view.meta.weights).then(scheduleReading, view.fail); // the canvas as it is now
  return newestCleanup(view, view.unmount);
}

function mount(root, forget) {
  const view = { root, selected: null, data: null, reserve: undefined, refit: true, edit: null, lastReading: null };
  view.animator = new Animator(() => render(root, view));
  // Painting on the input redraws while the finger is down; every other press holds the redraws
  // until its click (lib/press_hold.js), so the element clicked is still the one there.
  view.hold = pressHold(root, { ignore: (event) => Boolean(view.edit && event.target.closest && event.target.closest(".lv-input")) });
  root.dataset.state = "loading";
  root.replaceChildren(element("p", "lv-empty", "Loading the network into the page…"));
  view.show = (data) => {
    view.data = Object.assign(data, { paletteBytes: view.meta.paletteBytes, divergingBytes: view.meta.divergingBytes });
    // The close-up, the occlusion map and the smallest change are the server's, for the drawing
    // it read: shown only while the page shows that drawing (not mid-stroke, not edited).
    const current = !data.edited && data.image && sameInput(data.image, view.meta.serverImage);
    data.closeup = current ? view.meta.closeup : null;
    data.occlusion = current ? view.meta.occlusion || null : null;
    data.flip = view.meta.flip ? Object.assign({ current }, view.meta.flip) : null;
    data.map = view.meta.map || null;
    if (view.refit) fit(root, view); // once per run: what the server sent may change the height
    else render(root, view);
    view.refit = false;
    root.dataset.state = "live";
    root.dataset.digit = String(data.digit);
  };
  view.fail = (error) => {
    root.dataset.state = "failed";
    root.replaceChildren(element("p", "lv-empty", "This browser could not run the network; the answer under the canvas still follows each stroke."));
    console.warn(error);
  };
  const onReading = (view.onReading = (reading) => {
    if (!view.meta) return;
    view.lastReading = reading;
    if (reading.network) view.net = reading.network;
    if (view.edit) {
      if (reading.outputs && sameInput(reading.image, view.edit.base)) return; // the same drawing: the edits stay
      view.edit = null; // a new drawing: the editing starts again from it
    }
    if (!reading.outputs) {
      markServerAnswer(null, view.meta.serverImage);
      view.animator.reset(); // Play would go on drawing a drawing that is gone
      view.data = null;
      root.dataset.state = "live";
      root.dataset.digit = "";
      root.replaceChildren(element("p", "lv-empty", `${reading.message} The whole network will read it here.`));
      return;
    }
    view.show(Object.assign(lecturePayload(view.meta, reading.network, reading.outputs, reading.image), { image: reading.image }));
    markServerAnswer(reading.image, view.meta.serverImage);
    // Read by bench/browser_network.py: the pen move to the whole view drawn.
    root.dataset.moveToDrawnMilliseconds = (performance.now() - reading.askedAt).toFixed(2);
  });
  const stop = followDrawing(() => view.meta && view.meta.weights, onReading, view.fail);
  const onResize = () => {
    view.reserve = undefined;
    if (view.data) fit(root, view);
  };
  window.addEventListener("resize", onResize);
  const stopEditing = editWithPointerAndKeys(root, view);
  view.unmount = () => {
    view.hold.stop();
    stopEditing();
    if (view.map) view.map.unmount();
    clearTimeout(view.askAgain);
    stop();
    window.removeEventListener("resize", onResize);
    view.animator.stop();
    forgetServerAnswer();
    forget();
  };
  return view;
}

// The server finds a model's unit examples in the background; while it does, ask again (a new
// state value is a rerun) so they appear without another click, once every couple of seconds.
function askAgainWhileFinding(view) {
  clearTimeout(view.askAgain);
  const building = (view.meta.examples && view.meta.examples.building) || (view.meta.map && view.meta.map.building);
  if (!(building && view.selected)) return;
  const asked = view.selected;
  view.askAgain = setTimeout(() => {
    if (view.selected === asked) view.setStateValue("unit", Object.assign({}, asked, { asked: Date.now() }));
  }, 2000);
}

function decodedMeta(data) {
  return Object.assign(data, {
    paletteBytes: bytes(data.palette),
    divergingBytes: bytes(data.diverging),
    serverImage: serverInput(data),
  });
}

// The chosen unit's test digits, found in the page from the server's files (lecture/unit_digits.js:
// fetched once per channel, then at once), or why there are none yet (the server's message).
// Until a new unit's are in, a block for no unit: the panel says they are being found.
function unitExamples(view, selected, redraw) {
  const source = view.meta.unitDigits;
  if (!selected) return null;
  if (!source) return view.meta.examples ? Object.assign({}, view.meta.examples, { layer: selected.layer, channel: selected.channel }) : null;
  const { layout, folder } = source.sheets;
  prefetchSheets(folder, Math.ceil(source.searched / layout.digits)); // once: later units show at once
  const key = [source.folder, selected.layer, selected.channel, selected.row, selected.column].join("/");
  if (view.digits && view.digits.key === key) return view.digits.block;
  if (view.digitsAsked !== key) {
    view.digitsAsked = key;
    const layer = view.meta.layers.find((l) => l.name === selected.layer) || (view.meta.dense && view.meta.dense.name === selected.layer ? view.meta.dense : null);
    unitDigits(source, layer, view.meta.output && view.meta.output.name, selected).then(
      (block) => {
        if (view.digitsAsked !== key) return; // another unit was chosen meanwhile
        block.sheets = source.sheets;
        const kernel = layer && firstFilter(view.net, layer.name, selected.channel);
        if (kernel) block.filter = kernel;
        view.digits = { key, block };
        redraw();
      },
      (error) => {
        view.digitsAsked = null; // asked again at the next render
        console.warn(error);
      },
    );
  }
  return { pending: true };
}

// A filter that reads the image itself (one input channel: conv1's), as rows of its k x k weights.
function firstFilter(net, name, channel) {
  const layer = net && net.layers.find((l) => l.name === name);
  if (!layer || layer.kind !== "Conv2D" || layer.kernelShape[2] !== 1) return null;
  const [k, , , filters] = layer.kernelShape;
  return Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => layer.kernel[(r * k + c) * filters + channel]));
}

// The map for a hidden unit's panel: one element kept across renders (its picture and the map's
// numbers load once), moved into each new panel.
function shownMap(view) {
  if (!view.map) {
    view.mapRoot = element("div", "dm-root");
    view.map = mapView(view.mapRoot);
  }
  return view.map;
}

// The edited input read by the page's network and shown in every layer.
function readEdited(view) {
  const image = view.edit.image;
  const outputs = forward(view.net, image);
  view.show(Object.assign(lecturePayload(view.meta, view.net, outputs, image), { image, edited: true }));
  view.root.dataset.editedImage = btoa(String.fromCharCode(...new Uint8Array(image.buffer))); // float32, for the tests
}

function startEditing(view) {
  if (!view.data || !view.net || !view.data.image) return;
  const base = Float32Array.from(view.data.image);
  view.edit = { base, image: Float32Array.from(base), tool: "paint", cursor: { row: 14, column: 14 } };
  readEdited(view);
}

function stopEditing(view) {
  view.edit = null;
  delete view.root.dataset.editedImage;
  if (view.lastReading) view.onReading(view.lastReading); // the drawing as the pen left it
}

// Painting on the input: the listeners sit on the root, which stays, because every render
// replaces the input's canvas (mid-drag too).
function editWithPointerAndKeys(root, view) {
  let painting = false;
  const paintAt = (event) => {
    const canvas = root.querySelector(".lv-input");
    if (!canvas || !view.edit) return;
    const box = canvas.getBoundingClientRect();
    const where = pixelAt(event.clientX - box.left, event.clientY - box.top, box.width / SIDE);
    if (!where) return;
    view.edit.cursor = where;
    if (applyTool(view.edit.image, where, view.edit.tool)) readEdited(view);
  };
  const down = (event) => {
    if (!view.edit || !(event.target.closest && event.target.closest(".lv-input"))) return;
    painting = true;
    event.preventDefault(); // a drag would select the headings' text
    root.setPointerCapture?.(event.pointerId);
    paintAt(event);
  };
  const move = (event) => painting && paintAt(event);
  const up = () => (painting = false);
  const key = (event) => {
    if (!view.edit || !(event.target.classList && event.target.classList.contains("lv-input"))) return;
    const action = keyAction(event.key);
    if (!action) return;
    event.preventDefault(); // the arrows would scroll the page
    const edit = view.edit;
    if (action.move) edit.cursor = moveCursor(edit.cursor, action.move);
    if (action.tool) edit.tool = action.tool;
    if (action.flip) applyTool(edit.image, edit.cursor, flipTool(edit.image, edit.cursor));
    readEdited(view);
  };
  const listeners = [["pointerdown", down], ["pointermove", move], ["pointerup", up], ["pointercancel", up], ["keydown", key]];
  for (const [name, listener] of listeners) root.addEventListener(name, listener);
  return () => listeners.forEach(([name, listener]) => root.removeEventListener(name, listener));
}

// Draw, then check the view ends inside the window (the page must not scroll in a lecture); if
// it does not, draw again with that much less height for the grids.
function fit(root, view) {
  if (held(root, view, true)) return;
  view.fitHeld = false;
  if (view.reserve === undefined) view.reserve = 96;
  render(root, view);
  requestAnimationFrame(() => {
    const overflow = root.getBoundingClientRect().bottom - window.innerHeight + 6;
    if (overflow > 2 && view.reserve < window.innerHeight / 2) {
      view.reserve += overflow;
      render(root, view);
    }
  });
}

// Choose a unit; without a position, the strongest one of its map (never a blank patch).
function select(view, layerName, channel, row, column) {
  const map = view.data.layers.find((l) => l.name === layerName);
  if (!map) row = column = null; // a dense unit or an output: no position
  else if (row === undefined) {
    ({ row, column } = strongestUnit(map, channel));
  }
  view.animator.reset();
  view.asking = false;
  view.selected = { layer: layerName, channel, row, column };
  view.setStateValue("unit", view.selected);
}

// While a press is down, a redraw waits for its click (lib/press_hold.js); a held fit stays a fit.
function held(root, view, fitting) {
  view.fitHeld = Boolean(view.fitHeld || fitting);
  return view.hold.defer(() => (view.fitHeld ? fit : render)(root, view));
}

function render(root, view) {
  if (held(root, view, false)) return;
  const data = view.data;
  if (!data) return; // cleared: nothing to draw (a late animation step, a resize's frame)
  // Every render replaces the elements: keep the keyboard focus on the same control. Asked first:
  // the map's element moves into the new panel below, and moving it takes its focus.
  const focused = root.getRootNode().activeElement;
  const focusKey = focused && root.contains(focused) ? focused.dataset.focus : undefined;
  const dense = [data.dense, data.output].filter(Boolean).map((d) => d.name);
  const chosen = view.selected && view.selected.layer;
  const selected = chosen && (data.layers.some((l) => l.name === chosen) || dense.includes(chosen)) ? view.selected : null;
  const top = root.getBoundingClientRect().top;
  const available = Math.max(300, window.innerHeight - Math.max(0, top) - view.reserve);
  const width = root.clientWidth - (selected ? INSPECTOR_WIDTH + COLUMN_GAP : 0);
  const input = inputSize(available);
  const layout = chooseLayout(data.layers, width, available, fixedWidth(input, Boolean(data.dense)));

  const status = element("div", "lv-status");
  status.setAttribute("aria-live", "polite");
  status.textContent = HINT;
  const say = (text) => (status.textContent = text);
  const redraw = () => render(root, view);
  const open = (layerName, channel) => {
    select(view, layerName, channel);
    redraw();
  };
  data.examples = unitExamples(view, selected, redraw); // the unit's test digits: the same for every drawing
  const at = view.animator.step || selected;
  const edit = view.edit;
  const editing = {
    on: Boolean(edit),
    tool: edit && edit.tool,
    cursor: edit && edit.cursor,
    changed: edit ? changedPixels(edit.image, edit.base) : 0,
    start: () => startEditing(view),
    setTool: (tool) => {
      view.edit.tool = tool;
      redraw();
    },
    stop: () => stopEditing(view),
  };
  root.dataset.edited = String(editing.changed); // read by the tests
  const frame = element("div", "lv");
  frame.append(drawNetwork(data, { inputSize: input, available, layout }, selected, at, open, say, editing));
  const close = () => {
    view.animator.reset();
    view.selected = null;
    view.setStateValue("unit", null);
    redraw();
  };
  if (selected && dense.includes(selected.layer)) {
    const askFlip = () => {
      view.asking = true;
      view.setStateValue("unit", Object.assign({}, selected, { flip: Date.now() }));
      redraw();
    };
    const map = data.map && data.map.map && view.map ? view.map : null;
    if (map) map.placeHidden(data.dense.values, data.digit, data.edited ? "edited" : "page");
    frame.append(unitInspector(data, selected, close, { mapRoot: map ? view.mapRoot : null, askFlip, asking: view.asking }));
  } else if (selected) {
    const [h, w] = data.layers.find((l) => l.name === selected.layer).shape;
    const actions = {
      close,
      choose: (row, column) => {
        select(view, selected.layer, selected.channel, row, column);
        redraw();
      },
      toggle: () => view.animator.toggle(h, w),
      step: () => {
        view.animator.stop();
        view.animator.stepOnce(h, w);
      },
      whole: () => {
        view.animator.reset();
        redraw();
      },
    };
    frame.append(inspector(data, selected, view.animator, actions));
  }
  root.replaceChildren(frame, status);
  if (focusKey) root.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`)?.focus();
}
