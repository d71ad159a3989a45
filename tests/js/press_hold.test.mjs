// Redraws wait while a press is down, so a click lands on the element pressed
// (static/js/lib/press_hold.js). A small event target stands in for the view's root and the
// window: Node's own EventTarget does not remove a listener added with `capture` (Node 20).
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { pressHold } from "../../static/js/lib/press_hold.js";

class Target {
  listeners = [];
  addEventListener(type, listener, capture) {
    this.listeners.push({ type, listener, capture: Boolean(capture) });
  }
  removeEventListener(type, listener, capture) {
    this.listeners = this.listeners.filter((l) => !(l.type === type && l.listener === listener && l.capture === Boolean(capture)));
  }
  dispatchEvent(event) {
    for (const l of this.listeners.filter((l) => l.type === event.type)) l.listener(event);
  }
}

let root;
let hold;
const press = (name, target = root) => target.dispatchEvent(new Event(name));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(() => {
  globalThis.window = new Target();
  root = new Target();
});
afterEach(() => hold && hold.stop());

test("without a press a redraw runs at once", () => {
  hold = pressHold(root);
  assert.equal(hold.defer(() => assert.fail("a held redraw ran")), false);
});

test("a redraw during a press waits for the click, and only the newest one runs", () => {
  hold = pressHold(root);
  const ran = [];
  press("pointerdown");
  assert.equal(hold.defer(() => ran.push("older")), true);
  assert.equal(hold.defer(() => ran.push("newest")), true);
  press("pointerup", window);
  assert.deepEqual(ran, []); // released, but the click has not come yet
  press("click");
  assert.deepEqual(ran, ["newest"]);
  assert.equal(hold.pressed, false);
  assert.equal(hold.defer(() => {}), false);
});

test("a release without a click (dragged off) ends the hold after a moment", async () => {
  hold = pressHold(root, { afterRelease: 20 });
  let ran = 0;
  press("pointerdown");
  hold.defer(() => (ran += 1));
  press("pointerup", window);
  await sleep(60);
  assert.equal(ran, 1);
});

test("a press held down never keeps the view stale past `longest`", async () => {
  hold = pressHold(root, { longest: 30 });
  let ran = 0;
  press("pointerdown");
  hold.defer(() => (ran += 1));
  await sleep(80);
  assert.equal(ran, 1);
  assert.equal(hold.pressed, false);
});

test("a cancelled press redraws at once; an ignored press does not hold", () => {
  hold = pressHold(root, { ignore: (event) => event.type === "pointerdown" && event.ignored });
  let ran = 0;
  press("pointerdown");
  hold.defer(() => (ran += 1));
  press("pointercancel", window);
  assert.equal(ran, 1);
  const painting = new Event("pointerdown");
  painting.ignored = true;
  root.dispatchEvent(painting);
  assert.equal(hold.defer(() => {}), false);
});

test("after stop nothing is held and no listener is left", () => {
  hold = pressHold(root);
  hold.stop();
  press("pointerdown");
  assert.equal(hold.defer(() => {}), false);
});
