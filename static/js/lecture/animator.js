// Play / Step through a convolution: the window slides over the input, position after position
// in reading order, while the map fills in. The stepping is pure (node's tests import it); the
// Animator only owns the timer.

// The step after `step` on an h x w map: {index, row, column}, index = positions shown so far;
// null once the whole map is shown.
export function advance(step, h, w) {
  const index = step ? step.index + 1 : 1;
  if (index > h * w) return null;
  return { index, row: Math.floor((index - 1) / w), column: (index - 1) % w };
}

// The whole map in about 2.4 s, never faster than a frame every 30 ms.
export const frameInterval = (h, w) => Math.max(30, 2400 / (h * w));

// How many positions of the map to show for a step (all of them without one).
export const shownPositions = (step, h, w) => (step ? step.index : h * w);

export class Animator {
  constructor(onFrame) {
    this.onFrame = onFrame; // called after every change of `step`
    this.step = null;
    this.timer = null;
  }

  get playing() {
    return this.timer !== null;
  }

  stop() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  reset() {
    this.stop();
    this.step = null;
  }

  stepOnce(h, w) {
    this.step = advance(this.step, h, w);
    if (!this.step) this.stop();
    this.onFrame();
  }

  toggle(h, w) {
    if (this.playing) {
      this.stop();
    } else {
      if (!this.step) this.step = { index: 0, row: 0, column: 0 };
      this.timer = setInterval(() => this.stepOnce(h, w), frameInterval(h, w));
    }
    this.onFrame();
  }
}
