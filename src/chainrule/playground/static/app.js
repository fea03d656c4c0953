// chainrule playground: the page. It keeps no model of its own: it sends the settings to the
// server (see server.py for the API), asks it to train a few mini-batches at a time, and draws
// what comes back. Requests go one after another through `enqueue`, never overlapping.
"use strict";

const TICK_MS = 60;             // aim: this long of training per step request while running
const RESOLUTION = 80;          // grid points per side of the boundary map
const UNIT_RESOLUTION = 40;     // and of the hidden-unit map
const LEARNING_RATES = [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const BATCH_SIZES = [1, 5, 10, 20, 50, 100, 200];
const LABELS = {
  circles: "two circles", xor: "XOR", spirals: "two spirals", blobs: "two blobs",
  tanh: "tanh", sigmoid: "sigmoid", relu: "ReLU", leaky_relu: "leaky ReLU (slope 0.1)",
  sgd: "SGD", momentum: "SGD + momentum 0.9", adam: "Adam",
};
const CLASS_RGB = [[31, 119, 180], [255, 127, 14]];   // class 0 blue, class 1 orange

const $ = (id) => document.getElementById(id);
const app = { limits: null, session: null, running: false, history: null, timer: null, steps: 10 };
let queue = Promise.resolve();

// ------------------------------------------------------------------ talking to the server
async function api(method, path, body) {
  const options = { method, headers: {} };
  if (method === "POST") {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  const response = await fetch(path, options);
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) {
    const error = new Error(data.error || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

function enqueue(task) {
  queue = queue.then(task).catch(handleError);
  return queue;
}

function handleError(error) {
  if (error.status === 404 && app.session) {    // evicted by other pages' sessions: start again
    app.session = null;
    return createSession().then(() => showMessage("The server had dropped this session; started a new one."));
  }
  pause();
  showMessage(error.message);
}

function showMessage(text) { $("message").textContent = text || ""; }

// ------------------------------------------------------------------ controls
function fillSelect(select, values, label) {
  select.replaceChildren(...values.map((value) => {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = label ? label(value) : String(value);
    return option;
  }));
}

function buildControls(limits) {
  fillSelect($("dataset"), limits.datasets, (v) => LABELS[v] || v);
  fillSelect($("activation"), limits.activations, (v) => LABELS[v] || v);
  fillSelect($("optimizer"), limits.optimizers, (v) => LABELS[v] || v);
  fillSelect($("lr"), LEARNING_RATES.filter((v) => v >= limits.lr[0] && v <= limits.lr[1]));
  fillSelect($("batch-size"), BATCH_SIZES.filter((v) => v <= limits.batch_size[1]));
  fillSelect($("layers"), Array.from({ length: limits.max_layers }, (_, i) => i + 1));
  for (const [id, range] of [["noise", limits.noise], ["samples", limits.samples]]) {
    $(id).min = range[0];
    $(id).max = range[1];
  }
  const presets = $("presets");
  for (const name of Object.keys(limits.presets)) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = name;
    button.dataset.preset = name;
    button.addEventListener("click", () => applySettings(limits.presets[name]));
    presets.append(button);
  }
  for (const id of ["dataset", "noise", "samples", "activation", "optimizer", "lr", "batch-size"]) {
    $(id).addEventListener("input", settingsChanged);
  }
  $("layers").addEventListener("input", () => { buildUnitSliders(unitsFromSliders()); settingsChanged(); });
  $("unit-layer").addEventListener("input", () => { fillUnitIndex(); enqueue(drawUnit); });
  $("unit-index").addEventListener("input", () => enqueue(drawUnit));
  $("start").addEventListener("click", start);
  $("pause").addEventListener("click", pause);
  $("step").addEventListener("click", () => enqueue(advance));
  $("reset").addEventListener("click", () => enqueue(resetSession));
}

function unitsFromSliders() {
  const count = Number($("layers").value);
  const current = Array.from(document.querySelectorAll("#units input"), (input) => Number(input.value));
  return Array.from({ length: count }, (_, i) => current[i] || current[current.length - 1] || 6);
}

function buildUnitSliders(units) {
  const box = $("units");
  box.replaceChildren();
  units.forEach((value, i) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    const output = document.createElement("output");
    Object.assign(input, { type: "range", min: 1, max: app.limits.max_units, step: 1, value, id: `units-${i}` });
    output.textContent = value;
    input.addEventListener("input", () => { output.textContent = input.value; settingsChanged(); });
    label.append(`layer ${i + 1} units`, input, output);
    box.append(label);
  });
}

function applySettings(settings) {
  const set = (id, value) => {
    if (value === undefined) return;
    const control = $(id);
    if (control.tagName === "SELECT" && ![...control.options].some((o) => o.value === String(value))) {
      fillSelect(control, [...[...control.options].map((o) => Number(o.value)), value].sort((x, y) => x - y));
    }
    control.value = String(value);
  };
  set("dataset", settings.dataset);
  set("noise", settings.noise);
  set("samples", settings.samples);
  set("activation", settings.activation);
  set("optimizer", settings.optimizer);
  set("lr", settings.lr);
  set("batch-size", settings.batch_size);
  if (settings.hidden) {
    $("layers").value = String(settings.hidden.length);
    buildUnitSliders(settings.hidden);
  }
  showOutputs();
  enqueue(createSession);
}

function readSettings() {
  return {
    dataset: $("dataset").value,
    noise: Number($("noise").value),
    samples: Number($("samples").value),
    hidden: Array.from(document.querySelectorAll("#units input"), (input) => Number(input.value)),
    activation: $("activation").value,
    optimizer: $("optimizer").value,
    lr: Number($("lr").value),
    batch_size: Number($("batch-size").value),
    seed: 0,
  };
}

function showOutputs() {
  $("noise-value").textContent = Number($("noise").value).toFixed(2);
  $("samples-value").textContent = $("samples").value;
}

function settingsChanged() {   // sliders fire many events: build the new session once they rest
  showOutputs();
  clearTimeout(app.timer);
  app.timer = setTimeout(() => enqueue(createSession), 200);
}

// ------------------------------------------------------------------ sessions and training
async function createSession() {
  const old = app.session;
  app.session = null;
  if (old) api("DELETE", `/api/sessions/${old.id}`).catch(() => {});
  useSession(await api("POST", "/api/sessions", readSettings()));
}

async function resetSession() {
  useSession(await api("POST", `/api/sessions/${app.session.id}/reset`));
}

async function useSession(session) {
  app.session = session;
  app.history = session.history;
  showMessage("");
  const layer = Number($("unit-layer").value) || 0;
  fillSelect($("unit-layer"), session.config.hidden.map((_, i) => i), (i) => `${i + 1}`);
  $("unit-layer").value = String(Math.min(layer, session.config.hidden.length - 1));
  fillUnitIndex();
  showMetrics(session);
  await drawMaps();
}

function fillUnitIndex() {
  const hidden = app.session.config.hidden;
  const previous = Number($("unit-index").value) || 0;
  const units = hidden[Number($("unit-layer").value)];
  fillSelect($("unit-index"), Array.from({ length: units }, (_, i) => i), (i) => `${i + 1}`);
  $("unit-index").value = String(Math.min(previous, units - 1));
}

async function advance() {
  if (!app.session) return;
  const started = performance.now();
  const metrics = await api("POST", `/api/sessions/${app.session.id}/step`, { steps: app.steps });
  const took = performance.now() - started;     // more steps per request on a fast server, fewer on a slow one
  if (took < TICK_MS / 2) app.steps = Math.min(2 * app.steps, app.limits.max_steps);
  else if (took > 2 * TICK_MS) app.steps = Math.max(Math.floor(app.steps / 2), 1);
  for (const key of ["step", "loss", "accuracy"]) app.history[key].push(metrics[key]);
  showMetrics(metrics);
  if (metrics.diverged) {
    pause();
    showMessage("The loss is no longer finite: lower the learning rate, then press Reset.");
  }
  await drawMaps();
}

function start() {
  if (app.running) return;
  app.running = true;
  $("start").disabled = true;
  $("pause").disabled = false;
  const tick = () => {
    if (!app.running) return;
    enqueue(advance).then(() => requestAnimationFrame(tick));
  };
  tick();
}

function pause() {
  app.running = false;
  $("start").disabled = false;
  $("pause").disabled = true;
}

function showMetrics(m) {
  $("step-count").textContent = m.step;
  $("epoch").textContent = m.epoch;
  $("loss").textContent = m.loss === null ? "not finite" : m.loss.toFixed(4);
  $("accuracy").textContent = `${(100 * m.accuracy).toFixed(1)} %`;
  $("accuracy").dataset.value = String(m.accuracy);
}

// ------------------------------------------------------------------ drawing
async function drawMaps() {
  const session = app.session;
  const boundary = await api("GET", `/api/sessions/${session.id}/boundary?resolution=${RESOLUTION}`);
  if (session !== app.session) return;
  drawBoundary(boundary.probabilities);
  drawCurves();
  await drawUnit();
}

async function drawUnit() {
  const session = app.session;
  if (!session) return;
  const layer = Number($("unit-layer").value), unit = Number($("unit-index").value);
  const map = await api("GET",
    `/api/sessions/${session.id}/unit?layer=${layer}&unit=${unit}&resolution=${UNIT_RESOLUTION}`);
  if (session !== app.session) return;
  const centre = map.activation === "sigmoid" ? 0.5 : 0;
  const scale = Math.max(Math.abs(map.min - centre), Math.abs(map.max - centre), 1e-6);
  paintGrid($("unit"), map.values, (v) => {
    const t = (v - centre) / scale;                 // in [-1, 1]
    return mix([255, 255, 255], CLASS_RGB[t > 0 ? 1 : 0], 0.9 * Math.abs(t));
  });
  drawPoints($("unit"), 2, 0.35);
  $("unit-caption").textContent = `Hidden layer ${layer + 1}, unit ${unit + 1} (${LABELS[map.activation]}): ` +
    `from ${map.min.toFixed(2)} (blue) to ${map.max.toFixed(2)} (orange) over the plane.`;
}

function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

function paintGrid(canvas, rows, colour) {
  const n = rows.length;
  const small = document.createElement("canvas");
  small.width = small.height = n;
  const context = small.getContext("2d");
  const image = context.createImageData(n, n);
  rows.forEach((row, i) => row.forEach((value, j) => {
    const [r, g, b] = colour(value);
    image.data.set([r, g, b, 255], 4 * (i * n + j));
  }));
  context.putImageData(image, 0, 0);
  const target = canvas.getContext("2d");
  target.imageSmoothingEnabled = true;
  target.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function drawBoundary(probabilities) {
  paintGrid($("boundary"), probabilities, (p) => {
    const confidence = Math.abs(2 * p - 1);
    return mix([255, 255, 255], CLASS_RGB[p > 0.5 ? 1 : 0], 0.15 + 0.5 * confidence);
  });
  drawPoints($("boundary"), 4, 1);
}

function drawPoints(canvas, radius, alpha) {
  const { points, labels, extent } = app.session;
  const [xmin, xmax, ymin, ymax] = extent;
  const context = canvas.getContext("2d");
  context.globalAlpha = alpha;
  context.lineWidth = 1;
  context.strokeStyle = "#222";
  points.forEach(([x, y], i) => {
    const px = ((x - xmin) / (xmax - xmin)) * canvas.width;
    const py = ((ymax - y) / (ymax - ymin)) * canvas.height;
    context.beginPath();
    context.arc(px, py, radius, 0, 2 * Math.PI);
    context.fillStyle = `rgb(${CLASS_RGB[labels[i]].join(",")})`;
    context.fill();
    context.stroke();
  });
  context.globalAlpha = 1;
}

function drawCurves() {
  const canvas = $("curves"), context = canvas.getContext("2d");
  const { step, loss, accuracy } = app.history;
  const w = canvas.width, h = canvas.height, pad = 24;
  context.clearRect(0, 0, w, h);
  context.strokeStyle = "#e4e4e4";
  context.fillStyle = "#666";
  context.font = "11px system-ui, sans-serif";
  for (const f of [0, 0.5, 1]) {
    const y = h - pad - f * (h - 2 * pad);
    context.beginPath(); context.moveTo(pad, y); context.lineTo(w - 8, y); context.stroke();
    context.fillText(`${100 * f}%`, 0, y + 4);
  }
  if (step.length === 0) return;
  const last = Math.max(step[step.length - 1], 1);
  const finite = loss.filter((v) => v !== null);
  const top = Math.max(...finite, 1e-6);
  const x = (s) => pad + (s / last) * (w - pad - 8);
  const line = (values, max, colour) => {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.beginPath();
    values.forEach((v, i) => {
      if (v === null) return;
      const y = h - pad - (v / max) * (h - 2 * pad);
      if (i === 0) context.moveTo(x(step[i]), y); else context.lineTo(x(step[i]), y);
    });
    context.stroke();
    context.lineWidth = 1;
  };
  line(accuracy, 1, "#2e7d32");
  line(loss, top, "#c0392b");
  context.fillStyle = "#666";
  context.fillText(`step ${step[step.length - 1]}`, w - 70, h - 6);
  context.fillText(`loss max ${top.toFixed(3)}`, pad + 4, 12);
}

// ------------------------------------------------------------------ start
async function init() {
  app.limits = await api("GET", "/api/config");
  buildControls(app.limits);
  const defaults = app.limits.defaults;
  $("layers").value = String(defaults.hidden.length);
  buildUnitSliders(defaults.hidden);
  applySettings(defaults);
}

init().catch(handleError);
