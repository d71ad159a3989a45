// The drawable canvas's pixels, as the component sends them to the server (its CSS size, 280 x
// 280, every layer drawn down from its device-pixel backing store), read once per frame while
// the pen moves. Reading all of it every frame was the largest part of a frame on a throttled
// phone (5 of 11.5 ms at 4x): the layers live in the GPU or in their own backing stores, and
// each is copied whole. While the pen draws, only the pixels around its path can change, so the
// picture is kept between frames and only the box around the points the pen passed since the
// last frame is read again. Anything else (the pen going down or up, Undo, Clear, a new canvas,
// a new size) reads the whole picture.
//
//     const pixels = new CanvasPixels();
//     pixels.penDown(clientX, clientY);  // from the pen's press
//     pixels.penAt(clientX, clientY);    // from the pen's move events
//     pixels.readAll();                  // from anything else that may change the picture
//     const { rgba, width, height, region } = pixels.read(layers);   // once per frame

// Around each point the pen passed: half the widest pen (the slider's 40 px) and Fabric's
// anti-aliasing, in canvas pixels.
const PEN_REACH = 24;
// Read a little beyond the box and keep only the box: scaling a device-pixel store down at the
// edge of a sub-rectangle may blend differently from scaling the whole.
const EDGE = 2;

export class CanvasPixels {
  constructor() {
    this.scratch = null; // a canvas read every frame pays for willReadFrequently once
    this.kept = null; // { rgba, width, height, layers: the canvases it was read from }
    this.points = []; // client coordinates the pen passed since the last read
    this.recent = []; // the last three of the reads before: Fabric's curve through them reaches the new ones
    this.whole = true;
    this.last = null; // what the last read returned
    this.place = null; // the canvas's client rectangle, asked once per stroke
  }

  // The page scrolled or changed its layout: where the canvas is on screen is asked again.
  moved() {
    this.place = null;
  }

  // The pen goes down: a new stroke, its first piece of curve reaching back to this point only.
  penDown(clientX, clientY) {
    this.readAll();
    this.recent = [];
    this.points = [];
    this.penAt(clientX, clientY);
  }

  penAt(clientX, clientY) {
    // A finger's move comes twice (as a touch and as a pointer event): kept once, so the last
    // three points are three places the pen passed.
    const last = this.points.at(-1);
    if (!last || last[0] !== clientX || last[1] !== clientY) this.points.push([clientX, clientY]);
  }

  readAll() {
    this.whole = true;
    this.place = null;
  }

  // -> { rgba (Uint8ClampedArray, kept: valid until the next read), width, height, region:
  // [left, top, right, bottom] of what was read again, the whole canvas on a full read }.
  read(layers) {
    const width = parseFloat(layers[0].style.width) || layers[0].offsetWidth;
    const height = parseFloat(layers[0].style.height) || layers[0].offsetHeight;
    const ctx = this._context(width, height);
    const kept = this.kept;
    const same = kept && kept.width === width && kept.height === height && kept.layers.every((layer, i) => layer === layers[i]);
    const box = same && !this.whole ? this._penBox(layers.at(-1), width, height) : null;
    const points = this.points;
    this.recent = [...this.recent, ...points].slice(-3);
    this.points = [];
    this.whole = false;
    if (!box) {
      ctx.clearRect(0, 0, width, height);
      for (const layer of layers) ctx.drawImage(layer, 0, 0, width, height);
      this.kept = { rgba: ctx.getImageData(0, 0, width, height).data, width, height, layers };
      return (this.last = { ...this.kept, region: [0, 0, width, height] });
    }
    if (box === "nothing") return (this.last = { ...kept, region: [0, 0, 0, 0] });
    const [left, top, right, bottom] = box;
    const x0 = Math.max(0, left - EDGE), y0 = Math.max(0, top - EDGE);
    const x1 = Math.min(width, right + EDGE), y1 = Math.min(height, bottom + EDGE);
    ctx.clearRect(x0, y0, x1 - x0, y1 - y0);
    for (const layer of layers) {
      const sx = layer.width / width, sy = layer.height / height; // the layer's device pixels per CSS pixel
      ctx.drawImage(layer, x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy, x0, y0, x1 - x0, y1 - y0);
    }
    const fresh = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
    const rowBytes = (right - left) * 4;
    for (let y = top; y < bottom; y++) {
      const from = ((y - y0) * (x1 - x0) + (left - x0)) * 4;
      kept.rgba.set(fresh.subarray(from, from + rowBytes), (y * width + left) * 4);
    }
    return (this.last = { ...kept, region: box });
  }

  _context(width, height) {
    if (!this.scratch || this.scratch.width !== width || this.scratch.height !== height) {
      this.scratch = document.createElement("canvas");
      this.scratch.width = width;
      this.scratch.height = height;
      this.kept = null;
    }
    return this.scratch.getContext("2d", { willReadFrequently: true });
  }

  // The box, in canvas pixels, around the pen's points since the last read and the three
  // before them (Fabric draws each move's piece of curve from the midpoint of the two points
  // before it), widened by the pen's reach; "nothing" when the pen stayed beyond the canvas; null
  // (read it all) when no pen moved or the canvas is not where a box can be worked out.
  _penBox(upper, width, height) {
    if (!this.points.length) return null; // asked by something other than the pen: it may have changed anything
    // The canvas as shown (zoomed to fit its column on a phone), asked once per stroke: asking
    // forces the page's layout, which costs more than the whole reading when something changed.
    const rect = (this.place ||= upper.getBoundingClientRect());
    if (!(rect.width > 0 && rect.height > 0)) return null;
    const sx = width / rect.width, sy = height / rect.height;
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const [clientX, clientY] of [...this.recent, ...this.points]) {
      const x = (clientX - rect.left) * sx, y = (clientY - rect.top) * sy;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
    const box = [
      Math.max(0, Math.floor(left - PEN_REACH)),
      Math.max(0, Math.floor(top - PEN_REACH)),
      Math.min(width, Math.ceil(right + PEN_REACH)),
      Math.min(height, Math.ceil(bottom + PEN_REACH)),
    ];
    return box[0] < box[2] && box[1] < box[3] ? box : "nothing";
  }
}
