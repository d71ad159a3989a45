// Only the newest call's cleanup unmounts a piece (static/js/lib/cleanup.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { newestCleanup } from "../../static/js/lib/cleanup.js";

test("an older call's cleanup, run after a newer call, leaves the piece mounted", () => {
  const view = { unmounted: 0 };
  const unmount = () => (view.unmounted += 1);
  const first = newestCleanup(view, unmount);
  const second = newestCleanup(view, unmount); // the next run's call, without the first's cleanup
  first(); // late
  assert.equal(view.unmounted, 0);
  second(); // the element really goes
  assert.equal(view.unmounted, 1);
});

test("a cleanup run before the next call unmounts, as a normal unmount does", () => {
  const view = { unmounted: 0 };
  const cleanup = newestCleanup(view, () => (view.unmounted += 1));
  cleanup();
  assert.equal(view.unmounted, 1);
});
