// No server, no problem: what the page does while its websocket to the server is down.
//
// Streamlit 1.67 on a dropped connection (its frontend: App.handleConnectionStateChanged,
// ConnectionManager.showRetryError): widgets are disabled at once, and after six failed
// reconnects (about 10 s) a modal "Connection error" dialog covers the page. The dialog is
// react-aria's: it locks scrolling, hides the rest of the page from screen readers and keeps
// the focus in itself. Drawing and the live reading go on in the browser, so the page hides that
// dialog (page.css, on the state Streamlit writes on its root: data-test-connection-state) and
// this piece closes it with its own Close button, which tells Streamlit not to show it again
// until the connection is back. page.css also greys the server's answers and says, under the
// canvas, that the page is reconnecting.
//
// When the connection is back, Streamlit reruns only if the dropped run was interrupted or the
// last run was a fragment's; after a full run (the page just loaded, a catch-up like this one)
// it reruns nothing, and a drawing made offline never reaches the server: its widget value sits
// in the browser, and the rerun that would carry it was refused while offline ("Cannot send rerun
// backMessage when disconnected"). And when the page comes back to another server process (its
// replica died or was restarted for a deploy), the session there is new and has never run the
// page: the rerun Streamlit makes is the fragment's, which that process refuses ("the fragment
// ... does not exist anymore"), and every stroke after it too. So after every reconnect this
// piece fires a trigger, outside any fragment: the whole page runs, carrying every widget's
// current state, and the server catches up with the drawing, whichever process it is.
//
// A stroke finished while that catch-up runs is lost the same way, on a new process: the
// canvas's value goes out as the fragment's rerun, which the session refuses until its first
// full run has reached the fragment (AppSession.request_rerun drops it: "does not exist
// anymore"). So an input (pen lifted, key, click) from just before the catch-up until that run
// ends asks for one more catch-up as soon as it has ended.

const APP = "[data-testid='stApp']";
const DIALOG = "[data-testid='stDialog']";
const RECONNECTING = new Set(["PINGING_SERVER", "CONNECTING"]);
const INPUTS = ["pointerup", "touchend", "click", "keyup"]; // what ends a stroke or changes a widget
// The canvas sends its value about 200 ms after the pen lifts: an input this long before the
// catch-up was asked for may still reach the server as a fragment's rerun, after it.
const SENT_LATE_MS = 600;

let watcher = null; // one per page: Streamlit re-calls the piece on every run without its cleanup

function closeConnectionDialog() {
  for (const dialog of document.querySelectorAll(DIALOG)) {
    if (dialog.querySelector("h2")?.textContent.trim() === "Connection error") {
      dialog.querySelector("button[aria-label='Close']")?.click();
    }
  }
}

// root: our element, where tests read the connection state we saw and how many catch-ups we made.
function startWatching(app, root) {
  const self = { trigger: null, catchUps: 0, process: null };
  let wasOffline = false;
  let lastInput = -Infinity; // performance.now() of the last input anywhere on the page
  let catchingUp = null; // { askedAt, started }: a catch-up asked for, until its run has ended

  const catchUp = () => {
    if (!self.trigger) return;
    self.catchUps += 1;
    root.dataset.catchUps = String(self.catchUps);
    catchingUp = { askedAt: performance.now(), started: false };
    // After Streamlit's own reaction to the new state, so the websocket is surely there.
    // With the server process the page was on until now: the server says "moved" when it is not itself.
    const payload = { count: self.catchUps, process: self.process };
    setTimeout(() => self.trigger("reconnected", payload), 0);
  };
  const onScriptState = () => {
    if (!catchingUp) return;
    if (app.dataset.testScriptState === "running") catchingUp.started = true;
    else if (catchingUp.started) {
      const missed = lastInput >= catchingUp.askedAt - SENT_LATE_MS;
      catchingUp = null;
      if (missed && app.dataset.testConnectionState === "CONNECTED") catchUp();
    }
  };
  const onState = () => {
    const state = app.dataset.testConnectionState;
    root.dataset.connection = state || "";
    if (RECONNECTING.has(state)) {
      wasOffline = true;
      catchingUp = null; // a catch-up in flight is asked for again when this reconnect is over
      closeConnectionDialog();
    } else if (state === "CONNECTED" && wasOffline) {
      wasOffline = false;
      catchUp();
    }
  };
  const onInput = () => (lastInput = performance.now());
  for (const name of INPUTS) document.addEventListener(name, onInput, { passive: true, capture: true });
  const appObserver = new MutationObserver((changes) => {
    if (changes.some((c) => c.attributeName === "data-test-connection-state")) onState();
    if (changes.some((c) => c.attributeName === "data-test-script-state")) onScriptState();
  });
  appObserver.observe(app, { attributes: true, attributeFilter: ["data-test-connection-state", "data-test-script-state"] });
  // The dialog is rendered straight into <body>, after the state has changed.
  const dialogObserver = new MutationObserver(() => {
    if (RECONNECTING.has(app.dataset.testConnectionState)) closeConnectionDialog();
  });
  dialogObserver.observe(document.body, { childList: true });
  onState();
  self.stop = () => {
    for (const name of INPUTS) document.removeEventListener(name, onInput, { capture: true });
    appObserver.disconnect();
    dialogObserver.disconnect();
  };
  return self;
}

export default function ({ parentElement, data, setTriggerValue }) {
  const app = document.querySelector(APP);
  const root = parentElement.querySelector(".connection-watch");
  if (!app || !root) return undefined;
  if (!watcher) watcher = startWatching(app, root);
  watcher.trigger = setTriggerValue;
  if (data?.process) watcher.process = data.process; // the process whose run this is
  const mine = watcher;
  return () => {
    if (watcher !== mine) return; // a late cleanup of an older mount leaves the new one running
    mine.stop();
    watcher = null;
  };
}
