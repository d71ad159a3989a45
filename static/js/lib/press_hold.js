// A view that redraws itself by replacing its elements (the lecture view) can lose a click: a
// click is a press and a release on the same element, and a redraw in between (the next reading,
// the server's close-up, a map that finished loading) replaces the element pressed, so the
// release lands on a new one and no click is fired. In CI, at 2 busy cores, a click on a map or on
// an output went nowhere about 1 run in 3 (tests/test_unit_examples_browser.py).
//
// While a press that began in `root` is down, redraws wait; the newest one runs once the press
// ends in a click (after the clicked element's own handler), is cancelled, or at the latest
// after `longest` ms, so a view never stays stale behind a held button or a drag that ends
// elsewhere. `ignore(event)` names presses that must redraw while down (painting on the input).
//
//     const hold = pressHold(root, { ignore: (event) => painting(event) });
//     function render() { if (hold.defer(render)) return; ... }
export function pressHold(root, { ignore = () => false, longest = 1500, afterRelease = 400 } = {}) {
  let pressed = false;
  let pending = null;
  let timer;
  const release = () => {
    clearTimeout(timer);
    if (!pressed) return;
    pressed = false;
    const redraw = pending;
    pending = null;
    if (redraw) redraw();
  };
  const wait = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(release, ms);
  };
  const down = (event) => {
    if (ignore(event)) return;
    pressed = true;
    wait(longest);
  };
  // A tap's click follows its release by a moment; a release with no click (dragged off) ends the
  // hold after `afterRelease`.
  const up = () => pressed && wait(afterRelease);
  const listeners = [
    [root, "pointerdown", down, true], // capture: a child that stops the event still holds
    [root, "click", release, false], // bubbling: after the clicked element's handler
    [window, "pointerup", up, true],
    [window, "pointercancel", release, true],
  ];
  for (const [target, name, listener, capture] of listeners) target.addEventListener(name, listener, capture);
  return {
    // True when the redraw is held (it runs at the release); false: redraw now.
    defer(redraw) {
      if (!pressed) return false;
      pending = redraw;
      return true;
    },
    get pressed() {
      return pressed;
    },
    stop() {
      clearTimeout(timer);
      pending = null;
      pressed = false;
      for (const [target, name, listener, capture] of listeners) target.removeEventListener(name, listener, capture);
    },
  };
}
