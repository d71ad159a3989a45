// What the page's send row shows, worked out from what the server sent and what the student did,
// with no DOM (held to its behaviour by tests/js/send_row_state.test.mjs; send_row.js draws it).
//
// The server sends, with each run of the stroke's piece, { key: the drawing it read, digit: its
// reading, sent: { ok, text, id } for this drawing or null } (ui/send.py send_row), or nothing
// when nothing is read. A press is sent as the piece's trigger `send`, { key, digit, id }, and is
// answered in the run it starts, with the press's id: until then the row is "sending" and cannot be
// pressed again (two quick taps send one drawing). A press that gets no answer is never left
// silent: when the connection drops under it, or no answer comes in ANSWER_WAIT_MS, the row says
// it may not have been sent and Send can be pressed again.

export const ANSWER_WAIT_MS = 20_000; // a hall at twice its size answers in ~2 s (bench/RESULTS.md)
// Said until the next press, so after the reconnect too (the offline line says when to press).
export const DROPPED = "The connection dropped before the server answered: this drawing may not be on the class wall.";
export const NO_ANSWER = "No answer from the server yet: this drawing may not be on the class wall. Press Send again.";
export const OFFLINE = "Offline: nothing can be sent to the class wall now. Press Send again once the connection is back.";

// row: { key, digit: the one meant, pending: { id, at } or null, asked: the last press's id, note:
// the page's own words or null, server: the last `send` data }; a fresh row is { key: null }.
export function received(row, send) {
  // Nothing read (the canvas cleared): no row, and a press still waiting was for a drawing that
  // is gone, which the server does not send either (ui/send.py forget_send_asked).
  if (!send) return { ...row, server: null, pending: null, note: null };
  const next = { ...row, server: send };
  if (send.key !== row.key) Object.assign(next, { key: send.key, digit: send.digit }); // a new drawing starts at its reading
  // The answer to the last press, even one the page had given up on (it came with the catch-up).
  if (send.sent && row.asked !== undefined && send.sent.id === row.asked) Object.assign(next, { pending: null, note: null });
  return next;
}

export function tapped(row, digit) {
  return { ...row, digit };
}

// id: a number of the page's own for this press (the answer names it).
export function pressed(row, id, now) {
  return { ...row, pending: { id, at: now }, asked: id, note: null };
}

// The connection went down (offline true) or a moment passed (now): a press still waiting is
// given up on, with words.
export function checked(row, offline, now) {
  if (!row.pending) return row;
  if (offline) return { ...row, pending: null, note: { ok: false, text: DROPPED } };
  if (now - row.pending.at > ANSWER_WAIT_MS) return { ...row, pending: null, note: { ok: false, text: NO_ANSWER } };
  return row;
}

// What to draw: { hidden, digit, canSend, sending, note: { ok, text } or null, offline: the words
// beside a Send that cannot be pressed now, or null }. stale: the drawing on screen is not yet the
// one the server read (the pen added a stroke it has not had): a press now would send the server's,
// so Send waits for the server's reading (row.js gives that wait a limit).
export function shown(row, offline, stale = false) {
  if (!row.server) return { hidden: true, digit: null, canSend: false, sending: false, note: null, offline: null };
  const sending = Boolean(row.pending);
  const note = row.note || (sending ? null : row.server.sent);
  return {
    hidden: false,
    digit: row.digit,
    canSend: !offline && !sending && !stale && Number.isInteger(row.digit),
    sending,
    note: note ? { ok: Boolean(note.ok), text: String(note.text) } : null,
    offline: offline ? OFFLINE : null,
  };
}
