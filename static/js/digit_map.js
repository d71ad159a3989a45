// "Your digit among 10,000": the map of the test digits (a picture, once per model version) with
// the drawing's dot on it (among/map_view.js draws both, and shows the test digit under the
// pointer, a finger or the keyboard's cursor). The dot moves while the pen moves: the page's own
// reading of the canvas (live/reader.js, the same network as the server's) gives the hidden
// Dense layer's 64 activations, and among/map_math.js places them as the server does.
//
// Data from ui/among_class.py, every run: { picture, map (the map's numbers, display/digit_map.py
// map_file), sheets (the folder of sheet pictures), size, alt, layer (the hidden Dense layer's
// name), server: { x, y, digit } where the server placed the drawing it received, or null; and
// what ui/live_reading.py page_network sends: weights, input, live }.

import { mapView } from "./among/map_view.js";
import { followDrawing, sameInput, scheduleReading, serverInput } from "./live/reader.js";
import { newestCleanup } from "./lib/cleanup.js";

const views = new WeakMap(); // parentElement -> what this mount keeps across reruns

function mount(root, forget) {
  const view = { map: mapView(root), data: {}, live: null };

  // The page's reading of the canvas, every frame the pen moves.
  const readLive = (reading) => {
    view.live = reading;
    const hidden = reading.outputs && reading.outputs.find((o) => o.name === view.data.layer);
    const p = reading.probabilities;
    if (!view.map.placeHidden(hidden ? hidden.values : null, p ? p.indexOf(Math.max(...p)) : 0, "page")) return;
    if (hidden) root.dataset.moveToPlacedMilliseconds = (performance.now() - reading.askedAt).toFixed(2);
  };
  const stop = followDrawing(() => (view.data.live ? view.data.weights : null), readLive, console.warn);

  // The server's place for the drawing it last received, unless the page has read a newer one.
  view.showServer = () => {
    const server = view.data.server;
    if (!server || !view.map.map) return;
    if (view.live && view.data.live && !sameInput(view.live.image, serverInput(view.data))) return;
    view.map.placeAt(server.x, server.y, server.digit, "server");
  };

  view.unmount = () => {
    stop();
    view.map.unmount();
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
  const server = view.data.server;
  root.dataset.serverDot = server ? `${server.x.toFixed(2)},${server.y.toFixed(2)}` : "";
  const before = view.map.map;
  view.map.show(view.data).then((map) => {
    if (!map) return;
    view.showServer();
    if (map !== before && view.data.live) scheduleReading(); // a new map: the drawing as it is now, by the page's own reading
  }, console.warn);
  if (view.map.map) view.showServer();
  return newestCleanup(view, view.unmount);
}
