// The lecture view: the whole network reading one drawing, drawn in the browser from compact
// arrays (display/lecture.py), every unit clickable. Layer names, shapes, parameter counts, the
// predicted digit and the close-up's numbers are HTML text, not pixels. This module holds what
// the person chose and puts the pieces together: lecture/layout.js sizes, lecture/network.js
// draws the network, lecture/inspector.js the chosen unit, lecture/animator.js steps through it.
//
// Streamlit calls the default export again with new data after every stroke, on the same
// parentElement; what the person chose (the unit) lives in `views` across those calls.

import { bytes } from "./lib/bytes.js";
import { element } from "./lib/dom.js";
import { strongestUnit } from "./lib/geometry.js";
import { Animator } from "./lecture/animator.js";
import { inspector } from "./lecture/inspector.js";
import { COLUMN_GAP, INSPECTOR_WIDTH, chooseLayout, fixedWidth, inputSize } from "./lecture/layout.js";
import { drawNetwork } from "./lecture/network.js";

const HINT = "Click any map to open it; hover a dense unit or a digit to see what feeds it.";
const views = new WeakMap();

export default function (component) {
  const { parentElement, data, setStateValue } = component;
  const root = parentElement.querySelector(".lv-root");
  let view = views.get(parentElement);
  if (!view) {
    view = { selected: null };
    view.animator = new Animator(() => render(root, view));
    views.set(parentElement, view);
  }
  view.data = data && data.layers ? decoded(data) : null;
  view.setStateValue = setStateValue;
  if (!view.data) {
    root.replaceChildren(element("p", "lv-empty", "Draw a digit: the whole network will read it here."));
    return () => {};
  }
  if (data.selected && !view.selected) view.selected = data.selected;
  fit(root, view);
  const onResize = () => {
    view.reserve = undefined;
    fit(root, view);
  };
  window.addEventListener("resize", onResize);
  return () => {
    window.removeEventListener("resize", onResize);
    view.animator.stop();
  };
}

function decoded(data) {
  return Object.assign(data, { paletteBytes: bytes(data.palette), divergingBytes: bytes(data.diverging), inputPixels: bytes(data.input) });
}

// Draw, then check the view ends inside the window (the page must not scroll in a lecture); if
// it does not, draw again with that much less height for the grids.
function fit(root, view) {
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
  if (row === undefined) {
    ({ row, column } = strongestUnit(view.data.layers.find((l) => l.name === layerName), channel));
  }
  view.animator.reset();
  view.selected = { layer: layerName, channel, row, column };
  view.setStateValue("unit", view.selected);
}

function render(root, view) {
  const data = view.data;
  const selected = view.selected && data.layers.some((l) => l.name === view.selected.layer) ? view.selected : null;
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
  const at = view.animator.step || selected;
  const frame = element("div", "lv");
  frame.append(drawNetwork(data, { inputSize: input, available, layout }, selected, at, open, say));
  if (selected) {
    const [h, w] = data.layers.find((l) => l.name === selected.layer).shape;
    const actions = {
      close: () => {
        view.animator.reset();
        view.selected = null;
        view.setStateValue("unit", null);
        redraw();
      },
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
  // Every render replaces the elements: keep the keyboard focus on the same control.
  const focused = root.getRootNode().activeElement;
  const focusKey = focused && root.contains(focused) ? focused.dataset.focus : undefined;
  root.replaceChildren(frame, status);
  if (focusKey) root.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`)?.focus();
}
