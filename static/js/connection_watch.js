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

const APP = "[data-testid='stApp']";
const DIALOG = "[data-testid='stDialog']";
const RECONNECTING = new Set(["PINGING_SERVER", "CONNECTING"]);

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
  const self = { trigger: null, catchUps: 0 };
  let wasOffline = false;

  const onState = () => {
    const state = app.dataset.testConnectionState;
    root.dataset.connection = state || "";
    if (RECONNECTING.has(state)) {
      wasOffline = true;
      closeConnectionDialog();
    } else if (state === "CONNECTED" && wasOffline) {
      wasOffline = false;
      if (self.trigger) {
        self.catchUps += 1;
        root.dataset.catchUps = String(self.catchUps);
        // After Streamlit's own reaction to the new state, so the websocket is surely there.
        setTimeout(() => self.trigger("reconnected", self.catchUps), 0);
      }
    }
  };
  const appObserver = new MutationObserver(onState);
  appObserver.observe(app, { attributes: true, attributeFilter: ["data-test-connection-state"] });
  // The dialog is rendered straight into <body>, after the state has changed.
  const dialogObserver = new MutationObserver(() => {
    if (RECONNECTING.has(app.dataset.testConnectionState)) closeConnectionDialog();
  });
  dialogObserver.observe(document.body, { childList: true });
  onState();
  self.stop = () => {
    appObserver.disconnect();
    dialogObserver.disconnect();
  };
  return self;
}

export default function ({ parentElement, setTriggerValue }) {
  const app = document.querySelector(APP);
  const root = parentElement.querySelector(".connection-watch");
  if (!app || !root) return undefined;
  if (!watcher) watcher = startWatching(app, root);
  watcher.trigger = setTriggerValue;
  const mine = watcher;
  return () => {
    if (watcher !== mine) return; // a late cleanup of an older mount leaves the new one running
    mine.stop();
    watcher = null;
  };
}
