// The lecture view: the whole network reading one drawing, drawn in the browser from compact
// arrays (display/lecture.py), every unit clickable. Layer names, shapes, parameter counts, the
// predicted digit and the close-up's numbers are HTML text, not pixels.
//
// Streamlit calls the default export again with new data after every stroke, on the same
// parentElement; what the person chose (the unit) lives in `views` across those calls.

const GAP = 3; // between tiles
const COLUMN_GAP = 12;
const INSPECTOR_WIDTH = 340;
const views = new WeakMap();

const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const fmt = (v) => (v >= 0 ? "+" : "") + v.toFixed(3);
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
};

function diverging(v, limit) {
  // red for positive, blue for negative, white at zero
  const t = Math.max(-1, Math.min(1, v / (limit || 1)));
  const fade = (c) => Math.round(255 - (255 - c) * Math.abs(t));
  return t >= 0 ? `rgb(${fade(214)},${fade(40)},${fade(40)})` : `rgb(${fade(33)},${fade(102)},${fade(172)})`;
}

function paintTile(ctx, pixels, offset, h, w, x, y, size, palette) {
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = pixels[offset + i] * 3;
    image.data[i * 4] = palette[v];
    image.data[i * 4 + 1] = palette[v + 1];
    image.data[i * 4 + 2] = palette[v + 2];
    image.data[i * 4 + 3] = 255;
  }
  const scratch = new OffscreenCanvas(w, h);
  scratch.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, x, y, size, size);
}

// The biggest tile size at which every layer's grid fits the width, each grid as tall as allowed.
function chooseLayout(layers, width, height, fixed) {
  for (let tile = 72; tile >= 10; tile--) {
    const rows = Math.max(1, Math.floor((height + GAP) / (tile + GAP)));
    let total = fixed;
    const grids = layers.map((layer) => {
      const channels = layer.shape[2];
      const columns = Math.ceil(channels / rows);
      const gridRows = Math.ceil(channels / columns);
      total += columns * (tile + GAP) - GAP + COLUMN_GAP;
      return { columns, rows: gridRows };
    });
    if (total <= width) return { tile, grids };
  }
  return { tile: 10, grids: layers.map((l) => ({ columns: Math.ceil(l.shape[2] / 8), rows: 8 })) };
}

function argmax(pixels, offset, count) {
  let best = 0;
  for (let i = 1; i < count; i++) if (pixels[offset + i] > pixels[offset + best]) best = i;
  return best;
}

export default function (component) {
  const { parentElement, data, setStateValue } = component;
  const root = parentElement.querySelector(".lv-root");
  let view = views.get(parentElement);
  if (!view) {
    view = { selected: null, playing: null, step: null };
    views.set(parentElement, view);
  }
  view.data = data;
  view.setStateValue = setStateValue;
  if (data && data.selected && !view.selected) view.selected = data.selected;
  if (!data || !data.layers) {
    root.replaceChildren(el("p", "lv-empty", "Draw a digit: the whole network will read it here."));
    return () => {};
  }
  fit(root, view);
  const onResize = () => {
    view.reserve = undefined;
    fit(root, view);
  };
  window.addEventListener("resize", onResize);
  return () => {
    window.removeEventListener("resize", onResize);
    if (view.playing) clearInterval(view.playing);
  };
}

// Draw, then check the view ends inside the window (the page must not scroll in a lecture); if
// it does not, draw again with that much less height for the grids.
function fit(root, view) {
  if (view.reserve === undefined) view.reserve = 96;
  render(root, view);
  requestAnimationFrame(() => {
    const overflow = root.getBoundingClientRect().bottom - window.innerHeight + 6;
    if (overflow > 2 && view.reserve < window.innerHeight / 2) {
      view.reserve += overflow;
      render(root, view);
    }
  });
}

function select(view, layer, channel, row, column) {
  const entry = view.data.layers.find((l) => l.name === layer);
  if (row === undefined) {
    const [h, w] = entry.shape;
    const best = argmax(entry.pixels, channel * h * w, h * w); // the strongest activation, never a blank patch
    row = Math.floor(best / w);
    column = best % w;
  }
  if (view.playing) clearInterval(view.playing);
  view.playing = null;
  view.step = null;
  view.selected = { layer, channel, row, column };
  view.setStateValue("unit", view.selected);
}

function render(root, view) {
  const data = view.data;
  const palette = bytes(data.palette);
  for (const layer of data.layers) layer.pixels = layer.pixels || bytes(layer.data);
  const input = bytes(data.input);
  const selected = view.selected && data.layers.find((l) => l.name === view.selected.layer) ? view.selected : null;

  const frame = el("div", "lv");
  const net = el("div", "lv-net");
  frame.append(net);
  const status = el("div", "lv-status");
  status.setAttribute("aria-live", "polite");
  status.textContent = "Click any map to open it; hover a dense unit or a digit to see what feeds it.";

  const top = root.getBoundingClientRect().top;
  const available = Math.max(300, window.innerHeight - Math.max(0, top) - view.reserve);
  const width = root.clientWidth - (selected ? INSPECTOR_WIDTH + COLUMN_GAP : 0);
  const inputSize = Math.max(84, Math.min(168, Math.floor(available / 4 / 28) * 28));
  const denseWidth = 58;
  const outputWidth = 128;
  const fixed = inputSize + COLUMN_GAP + (data.dense ? denseWidth + COLUMN_GAP : 0) + outputWidth;
  const layout = chooseLayout(data.layers, width, available, fixed);
  const tile = layout.tile;

  const column = (name, meta, title, width) => {
    const section = el("section", "lv-col");
    if (width) section.style.width = `${width}px`; // labels wrap inside the column, never widen it
    section.dataset.layer = name;
    const heading = el("h4", "lv-name", name);
    if (title) heading.title = title;
    section.append(heading, el("div", "lv-meta", meta));
    net.append(section);
    return section;
  };

  // The input, with the chosen unit's receptive field outlined.
  const inputColumn = column("input", "28 x 28 x 1", "The 28 x 28 picture the network receives", inputSize);
  const inputCanvas = el("canvas", "lv-input");
  inputCanvas.width = inputCanvas.height = inputSize;
  const ictx = inputCanvas.getContext("2d");
  const grey = new Uint8Array(256 * 3).map((_, i) => Math.floor(i / 3));
  paintTile(ictx, input, 0, 28, 28, 0, 0, inputSize, grey);
  if (selected) {
    const entry = data.layers.find((l) => l.name === selected.layer);
    const scale = inputSize / 28;
    const at = view.step || selected;
    ictx.strokeStyle = "#ff3b30";
    ictx.lineWidth = 2;
    ictx.strokeRect(at.column * entry.jump * scale + 1, at.row * entry.jump * scale + 1, entry.receptiveField * scale - 2, entry.receptiveField * scale - 2);
  }
  inputColumn.append(inputCanvas);

  data.layers.forEach((layer, index) => {
    const [h, w, channels] = layer.shape;
    const grid = layout.grids[index];
    const gridWidth = grid.columns * (tile + GAP) - GAP;
    const section = column(layer.name, `${h} x ${w} x ${channels} · ${layer.parameters.toLocaleString("en")} params`, layer.kind, gridWidth);
    const canvas = el("canvas", "lv-grid");
    canvas.width = gridWidth;
    canvas.height = grid.rows * (tile + GAP) - GAP;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${layer.name}: ${channels} feature maps of ${h} x ${w}; click one to open it`);
    const ctx = canvas.getContext("2d");
    for (let c = 0; c < channels; c++) {
      const x = (c % grid.columns) * (tile + GAP);
      const y = Math.floor(c / grid.columns) * (tile + GAP);
      paintTile(ctx, layer.pixels, c * h * w, h, w, x, y, tile, palette);
    }
    const outline = (c, colour) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.strokeRect((c % grid.columns) * (tile + GAP) - 1, Math.floor(c / grid.columns) * (tile + GAP) - 1, tile + 2, tile + 2);
    };
    if (selected && selected.layer === layer.name) outline(selected.channel, "#ff3b30");
    layer.outline = outline;
    canvas.onclick = (event) => {
      const box = canvas.getBoundingClientRect();
      const x = ((event.clientX - box.left) * canvas.width) / box.width;
      const y = ((event.clientY - box.top) * canvas.height) / box.height;
      const c = Math.floor(y / (tile + GAP)) * grid.columns + Math.floor(x / (tile + GAP));
      if (c >= 0 && c < channels) {
        select(view, layer.name, c);
        render(root, view);
      }
    };
    section.append(canvas);
  });

  // The hidden dense layer as a strip of 64 cells; hover or tap shows what feeds a unit most.
  const last = data.layers[data.layers.length - 1];
  let denseCells = [];
  if (data.dense) {
    const units = data.dense.values.length;
    const section = column(data.dense.name, `${units} · ${data.dense.parameters.toLocaleString("en")} params`, "Dense + ReLU", denseWidth);
    const strip = el("div", "lv-dense");
    const cell = Math.max(4, Math.min(14, Math.floor(available / units)));
    data.dense.scaled.forEach((v, unit) => {
      const c = el("div", "lv-unit");
      const i = Math.round(Math.max(0, Math.min(1, v)) * 255) * 3;
      c.style.height = `${cell - 1}px`;
      c.style.background = `rgb(${palette[i]},${palette[i + 1]},${palette[i + 2]})`;
      c.title = `dense #${unit}: ${data.dense.values[unit].toFixed(3)}`;
      const explain = () => {
        const [lh, lw, lc] = last.shape;
        const parts = data.dense.inputs[unit].map(([index, contribution]) => {
          const channel = index % lc, position = Math.floor(index / lc);
          return `${last.name} #${channel} (row ${Math.floor(position / lw)}, column ${position % lw}) ${fmt(contribution)}`;
        });
        status.textContent = `dense #${unit} = ${data.dense.values[unit].toFixed(3)}; strongest inputs: ${parts.join(", ")}`;
        data.dense.inputs[unit].forEach(([index]) => last.outline(index % lc, "#ff9500"));
      };
      c.onmouseenter = explain;
      c.onclick = explain;
      strip.append(c);
      denseCells.push(c);
    });
    section.append(strip);
  }

  // The ten outputs: the predicted digit big, every probability as a bar with its number.
  const output = column(data.output ? data.output.name : "softmax", `10 · ${data.output ? data.output.parameters.toLocaleString("en") : ""} params`, "Dense + softmax", outputWidth);
  const answer = el("div", "lv-answer");
  answer.append(el("span", "lv-answer-label", "reads"), el("span", "lv-digit", String(data.digit)));
  output.append(answer);
  const rows = el("div", "lv-probs");
  data.probabilities.forEach((p, digit) => {
    const row = el("div", "lv-prob" + (digit === data.digit ? " lv-best" : ""));
    const bar = el("span", "lv-bar");
    bar.style.width = `${Math.max(1, p * 100)}%`;
    const track = el("span", "lv-track");
    track.append(bar);
    row.append(el("span", "lv-d", String(digit)), track, el("span", "lv-p", `${Math.round(p * 100)}%`));
    if (data.output) {
      const explain = () => {
        const parts = data.output.inputs[digit].map(([unit, contribution]) => `dense #${unit} ${fmt(contribution)}`);
        status.textContent = `${digit}: ${(p * 100).toFixed(1)}%; strongest inputs: ${parts.join(", ")}`;
        denseCells.forEach((c) => c.classList.remove("lv-lit"));
        data.output.inputs[digit].forEach(([unit]) => denseCells[unit] && denseCells[unit].classList.add("lv-lit"));
      };
      row.onmouseenter = explain;
      row.onclick = explain;
    }
    rows.append(row);
  });
  output.append(rows);
  net.append(el("div", "lv-total", `${data.parameters.toLocaleString("en")} parameters in all`));

  if (selected) frame.append(inspector(root, view, selected));
  root.replaceChildren(frame, status);
}

function inspector(root, view, selected) {
  const data = view.data;
  const entry = data.layers.find((l) => l.name === selected.layer);
  const [h, w] = entry.shape;
  const palette = bytes(data.palette);
  const panel = el("aside", "lv-inspector");
  panel.setAttribute("aria-label", "The chosen unit");
  const close = el("button", "lv-close", "×");
  close.title = "Close";
  close.onclick = () => {
    if (view.playing) clearInterval(view.playing);
    view.selected = null;
    view.step = null;
    view.setStateValue("unit", null);
    render(root, view);
  };
  const peak = entry.peaks[selected.channel];
  panel.append(close, el("h4", "lv-inspector-title", `${entry.name} · channel ${selected.channel}`));
  panel.append(el("div", "lv-meta", `${entry.kind}, strongest response ${peak.toFixed(3)}; click a position`));

  const size = Math.floor(150 / w) * w;
  const big = el("canvas", "lv-big");
  big.width = big.height = size;
  const ctx = big.getContext("2d");
  const offset = selected.channel * h * w;
  const shown = view.step ? view.step.index : h * w;
  const masked = new Uint8Array(h * w);
  for (let i = 0; i < h * w; i++) masked[i] = i < shown ? entry.pixels[offset + i] : 0;
  paintTile(ctx, masked, 0, h, w, 0, 0, size, palette);
  const cellSize = size / w;
  const at = view.step || selected;
  ctx.strokeStyle = "#ff3b30";
  ctx.lineWidth = 2;
  ctx.strokeRect(at.column * cellSize + 1, at.row * cellSize + 1, cellSize - 2, cellSize - 2);
  big.onclick = (event) => {
    const box = big.getBoundingClientRect();
    const row = Math.min(h - 1, Math.floor(((event.clientY - box.top) / box.height) * h));
    const column = Math.min(w - 1, Math.floor(((event.clientX - box.left) / box.width) * w));
    select(view, entry.name, selected.channel, row, column);
    render(root, view);
  };
  const pictures = el("div", "lv-pictures");
  pictures.append(big);
  panel.append(pictures);

  const rf = entry.receptiveField;
  panel.append(
    el("p", "lv-rf", `Row ${at.row}, column ${at.column} sees a ${rf} x ${rf} patch of the input: rows ${at.row * entry.jump}–${at.row * entry.jump + rf - 1}, columns ${at.column * entry.jump}–${at.column * entry.jump + rf - 1} (outlined on the input).`)
  );

  // Step through the convolution: the window slides, the map fills in.
  const controls = el("div", "lv-controls");
  const stepOnce = () => {
    const index = view.step ? view.step.index + 1 : 1;
    if (index > h * w) {
      clearInterval(view.playing);
      view.playing = null;
      view.step = null;
    } else {
      view.step = { index, row: Math.floor((index - 1) / w), column: (index - 1) % w };
    }
    render(root, view);
  };
  const play = el("button", "lv-button", view.playing ? "Pause" : "Play");
  play.onclick = () => {
    if (view.playing) {
      clearInterval(view.playing);
      view.playing = null;
    } else {
      if (!view.step) view.step = { index: 0, row: 0, column: 0 };
      view.playing = setInterval(stepOnce, Math.max(30, 2400 / (h * w)));
    }
    render(root, view);
  };
  const step = el("button", "lv-button", "Step");
  step.onclick = () => {
    if (view.playing) clearInterval(view.playing);
    view.playing = null;
    stepOnce();
  };
  const reset = el("button", "lv-button", "Whole map");
  reset.onclick = () => {
    if (view.playing) clearInterval(view.playing);
    view.playing = null;
    view.step = null;
    render(root, view);
  };
  controls.append(play, step, reset);
  panel.append(controls);

  const closeup = data.closeup;
  const matches = closeup && closeup.layer === selected.layer && closeup.channel === selected.channel && closeup.row === selected.row && closeup.column === selected.column;
  if (!view.step) panel.append(matches ? closeupBlock(closeup, data) : el("p", "lv-meta", "Computing the close-up…"));
  return panel;
}

function numberGrid(title, values, colour) {
  const box = el("figure", "lv-numbers");
  box.append(el("figcaption", "", title));
  const table = el("table");
  values.forEach((row) => {
    const tr = el("tr");
    row.forEach((v) => {
      const td = el("td", "", v.toFixed(2));
      td.style.background = colour(v);
      tr.append(td);
    });
    table.append(tr);
  });
  box.append(table);
  return box;
}

function closeupBlock(c, data) {
  const block = el("div", "lv-closeup");
  const limitOf = (grid) => Math.max(1e-6, ...grid.flat().map(Math.abs));
  if (c.kind === "pool") {
    const max = Math.max(1e-6, ...c.window.flat());
    block.append(numberGrid("Window of the layer before", c.window, (v) => `rgba(29,78,216,${(v / max) * 0.6})`));
    block.append(el("p", "lv-equation", `max of the window = ${c.maximum.toFixed(4)}, the value on screen.`));
    return block;
  }
  const grids = el("div", "lv-grids");
  if (c.patch) {
    const kernelLimit = limitOf(c.kernel), productLimit = limitOf(c.products);
    grids.append(
      numberGrid("input patch", c.patch, (v) => `rgb(${255 - v * 200},${255 - v * 200},${255 - v * 200})`),
      numberGrid("× kernel", c.kernel, (v) => diverging(v, kernelLimit)),
      numberGrid("= products", c.products, (v) => diverging(v, productLimit))
    );
    grids.querySelectorAll("figure:first-child td").forEach((td) => (td.style.color = parseFloat(td.textContent) > 0.5 ? "#fff" : "#111"));
    block.append(grids);
  } else {
    block.append(el("p", "lv-meta", `The kernel spans all ${c.inputChannels} input channels; the strongest shares (3x3 patch × kernel, summed):`));
    const list = el("div", "lv-shares");
    const limit = Math.max(1e-6, ...c.strongest.map((s) => Math.abs(s.share)));
    c.strongest.forEach((s) => {
      const row = el("div", "lv-share");
      const bar = el("span", "lv-share-bar");
      bar.style.width = `${(Math.abs(s.share) / limit) * 100}%`;
      bar.style.background = diverging(s.share, limit);
      const track = el("span", "lv-track");
      track.append(bar);
      row.append(el("span", "lv-d", `#${s.channel}`), track, el("span", "lv-p", fmt(s.share)));
      row.title = `patch ${JSON.stringify(s.patch)} kernel ${JSON.stringify(s.kernel)}`;
      list.append(row);
    });
    const rest = el("div", "lv-share");
    rest.append(el("span", "lv-d", "rest"), el("span", "lv-track"), el("span", "lv-p", fmt(c.others)));
    list.append(rest);
    block.append(list);
  }
  block.append(
    el("p", "lv-equation", `sum ${fmt(c.sum)} + bias ${fmt(c.bias)} = ${fmt(c.preActivation)}; ReLU keeps ${c.output.toFixed(4)}, the value on screen.`)
  );
  return block;
}
