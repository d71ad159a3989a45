// "Send to the class wall" under the answer, with the digit the student meant, drawn by the page
// into the place ui/send.py made once (the detailed view, a drawing of one's own). Streamlit's
// segmented control and button there were re-sent with every stroke; here a stroke brings only
// the row's data inside the stroke's piece, and the row changes in the page as the student taps.
// What it shows is worked out in row_state.js; Send fires the piece's trigger `send`.

import { element } from "../lib/dom.js";
import { ANSWER_WAIT_MS, checked, pressed, received, shown, tapped } from "./row_state.js";

const APP = "[data-testid='stApp']";
// How long Send waits for the server to read the drawing on screen (live/reader.js marks <html
// data-server-answer="previous"> meanwhile) before it may be pressed anyway: a stroke's answer
// takes well under a second, and a page whose reading never agrees must not lose its Send.
const STALE_LIMIT_MS = 3000;
const RECONNECTING = new Set(["PINGING_SERVER", "CONNECTING"]); // Streamlit's states while its websocket is down
const SVG = "http://www.w3.org/2000/svg";

const rows = new WeakMap(); // place -> its row, across the piece's runs
const live = new Set(); // every row drawn, to redraw when the connection changes
let lastPress = Date.now(); // a press's id: unique for the page's life, so an answer names its press
let watcher = null;
let staleSince = null; // performance.now() when the drawing on screen stopped being the server's

function offline() {
  return RECONNECTING.has(document.querySelector(APP)?.dataset.testConnectionState);
}

function stale() {
  if (document.documentElement.dataset.serverAnswer !== "previous") {
    staleSince = null;
    return false;
  }
  staleSince ??= performance.now();
  return performance.now() - staleSince < STALE_LIMIT_MS;
}

// Streamlit writes its connection state on its root: Send is disabled while the websocket is down
// (a press then could not reach the server), and a press waiting for its answer is given up on.
// And while the server has not read the drawing on screen.
function watchPage() {
  const app = document.querySelector(APP);
  if (watcher || !app) return;
  watcher = new MutationObserver(() => {
    redrawAll();
    if (staleSince !== null) setTimeout(redrawAll, STALE_LIMIT_MS + 50);
  });
  watcher.observe(app, { attributes: true, attributeFilter: ["data-test-connection-state"] });
  watcher.observe(document.documentElement, { attributes: true, attributeFilter: ["data-server-answer"] });
}

function redrawAll() {
  for (const row of live) {
    if (!row.place.isConnected) live.delete(row);
    else draw(row);
  }
}

function sendIcon() {
  const icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M3 20V4l19 8zm2-3 11.85-5L5 7v3.5l6 1.5-6 1.5z"); // Material Symbols' "send"
  icon.append(path);
  return icon;
}

function build(row) {
  const label = element("p", "sr-meant-label", "The digit I meant");
  label.id = "sr-meant-label";
  const digits = Array.from({ length: 10 }, (_, digit) => {
    const button = element("button", "sr-digit", String(digit));
    button.type = "button";
    button.dataset.digit = String(digit);
    button.onclick = () => {
      row.state = tapped(row.state, digit);
      draw(row);
    };
    return button;
  });
  const group = element("div", "sr-digits");
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", label.id);
  group.append(...digits);
  const send = element("button", "sr-send-button");
  send.type = "button";
  send.append(sendIcon(), element("span", "", "Send to the class wall"));
  send.onclick = () => press(row);
  const why = element("p", "sr-offline");
  const note = element("p", "sr-sent");
  note.setAttribute("role", "status");
  row.place.replaceChildren(label, group, send, why, note);
  return { digits, send, why, note };
}

function press(row) {
  if (!shown(row.state, offline(), stale()).canSend) return;
  lastPress += 1;
  row.state = pressed(row.state, lastPress, performance.now());
  row.trigger?.("send", { key: row.state.key, digit: row.state.digit, id: lastPress });
  setTimeout(() => draw(row), ANSWER_WAIT_MS + 100);
  draw(row);
}

function draw(row) {
  row.state = checked(row.state, offline(), performance.now());
  const view = shown(row.state, offline(), stale());
  row.place.hidden = view.hidden;
  if (view.hidden) return;
  const { digits, send, why, note } = row.parts;
  for (const button of digits) button.setAttribute("aria-pressed", String(Number(button.dataset.digit) === view.digit));
  if (send.disabled !== !view.canSend) send.disabled = !view.canSend;
  send.setAttribute("aria-busy", String(view.sending));
  why.hidden = !view.offline;
  why.textContent = view.offline || "";
  const words = view.sending ? "Sending\u2026" : view.note?.text || "";
  note.hidden = !words;
  note.textContent = words;
  note.dataset.kind = view.sending ? "sending" : view.note?.ok ? "ok" : "refused";
}

// place: the row's place; send: its data from this run of the stroke's piece (null: nothing read);
// trigger: the piece's setTriggerValue.
export function drawSendRow(place, send, trigger) {
  let row = rows.get(place);
  if (!row) {
    row = { place, state: { key: null }, data: undefined };
    row.parts = build(row);
    rows.set(place, row);
    live.add(row);
    watchPage();
  }
  row.trigger = trigger;
  if (row.data !== send) row.state = received(row.state, send); // each run's data once
  row.data = send;
  draw(row);
}
