// The page's send row (static/js/send/row_state.js): what it shows as the server's data arrives
// and the student taps, presses and loses the connection.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ANSWER_WAIT_MS,
  DROPPED,
  NO_ANSWER,
  OFFLINE,
  checked,
  pressed,
  received,
  shown,
  tapped,
} from "../../static/js/send/row_state.js";

const SEVEN = { key: "k7", digit: 7, sent: null };
const fresh = { key: null };

test("nothing read: no row", () => {
  assert.equal(shown(received(fresh, null), false).hidden, true);
  assert.equal(shown(received(received(fresh, SEVEN), null), false).hidden, true); // cleared
});

test("a press for a drawing cleared meanwhile leaves nothing waiting for the next one", () => {
  let row = received(pressed(received(fresh, SEVEN), 2, 0), null);
  row = received(row, { key: "k2", digit: 2, sent: null });
  const view = shown(row, false);
  assert.deepEqual([view.sending, view.canSend, view.note], [false, true, null]);
});

test("a new drawing starts at its reading; a tap holds for the same drawing only", () => {
  let row = received(fresh, SEVEN);
  assert.deepEqual([shown(row, false).digit, shown(row, false).canSend], [7, true]);
  row = received(tapped(row, 1), SEVEN); // the same drawing's next run keeps the tap
  assert.equal(shown(row, false).digit, 1);
  row = received(row, { key: "k2", digit: 2, sent: null });
  assert.equal(shown(row, false).digit, 2);
});

test("a press is sending until its answer, and cannot be pressed twice", () => {
  let row = pressed(received(fresh, SEVEN), 41, 0);
  assert.deepEqual([shown(row, false).sending, shown(row, false).canSend], [true, false]);
  row = received(row, { ...SEVEN, sent: { ok: true, text: "Sent: your 7 is on the class wall (#3, read right).", id: 40 } });
  assert.equal(shown(row, false).sending, true, "an older press's answer is not this one's");
  row = received(row, { ...SEVEN, sent: { ok: true, text: "Sent: your 7 is on the class wall (#4, read right).", id: 41 } });
  const view = shown(row, false);
  assert.deepEqual([view.sending, view.canSend, view.note.ok, view.note.text.includes("#4")], [false, true, true, true]);
});

test("a refusal is shown as one", () => {
  const row = received(pressed(received(fresh, SEVEN), 1, 0), { ...SEVEN, sent: { ok: false, text: "You have sent 3", id: 1 } });
  assert.deepEqual(shown(row, false).note, { ok: false, text: "You have sent 3" });
});

test("offline: Send cannot be pressed, and the page says why", () => {
  const view = shown(received(fresh, SEVEN), true);
  assert.deepEqual([view.canSend, view.offline], [false, OFFLINE]);
  assert.equal(shown(received(fresh, SEVEN), false).offline, null);
});

test("Send waits while the drawing on screen is not yet the one the server read", () => {
  const row = received(fresh, SEVEN);
  assert.equal(shown(row, false, true).canSend, false);
  assert.equal(shown(row, false, false).canSend, true);
});

test("a press the connection dropped under is given up with words, and the server's late answer wins", () => {
  let row = pressed(received(fresh, SEVEN), 9, 0);
  assert.equal(checked(row, false, 1000), row); // still waiting
  row = checked(row, true, 1000);
  assert.deepEqual([shown(row, false).note.text, shown(row, false).canSend], [DROPPED, true]);
  // The send did reach the server: its answer comes with the catch-up after the reconnect.
  row = received(row, { ...SEVEN, sent: { ok: true, text: "Sent: your 7 is on the class wall (#5, read right).", id: 9 } });
  assert.equal(shown(row, false).note.ok, true);
});

test("a press with no answer for a long while is given up with words", () => {
  const row = pressed(received(fresh, SEVEN), 3, 0);
  assert.equal(checked(row, false, ANSWER_WAIT_MS - 1), row);
  const late = checked(row, false, ANSWER_WAIT_MS + 1);
  assert.deepEqual([shown(late, false).note.text, shown(late, false).canSend], [NO_ANSWER, true]);
});
