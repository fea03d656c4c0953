// chainrule playground: the page. It keeps no model of its own: it sends the settings to the
// server (see server.py for the API), asks it to train a few mini-batches at a time, and draws
// what comes back (draw.js, diagram.js). Requests go one after another through `enqueue`.
"use strict";

const TICK_MS = 60;             // aim: this long of training per step request while running
const RESOLUTION = 60;          // grid points per side of the decision map
const UNIT_RESOLUTION = 40;     // of the large neuron map
const THUMBNAIL = 14;           // of the diagram's small maps
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.02, 0.03, 0.1, 0.3, 1, 3, 10];
const BATCH_SIZES = [1, 5, 10, 20, 50, 100, 200];
const REG_RATES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
const LIVE_CONTROLS = { optimizer: "optimizer", lr: "lr", "batch-size": "batch_size",
  regularization: "regularization", "reg-rate": "reg_rate", dropout: "dropout" };
const LOST = "the chainrule server stopped: is `chainrule playground` still running?";
const LABELS = {
  circles: "two circles", xor: "XOR", spirals: "two spirals", blobs: "two blobs",
  plane: "regression: plane", gaussians: "regression: gaussians",
  tanh: "tanh", sigmoid: "sigmoid", relu: "ReLU", leaky_relu: "leaky ReLU (0.1)", linear: "linear",
  sgd: "SGD", momentum: "SGD + momentum", adam: "Adam", none: "none", l1: "L1", l2: "L2",
  x1: "x₁", x2: "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin x1": "sin πx₁", "sin x2": "sin πx₂",
};

const $ = (id) => document.getElementById(id);
const app = { limits: null, session: null, running: false, timer: null, steps: 10, hidden: [],
  seed: 0, selected: null, point: null };
let queue = Promise.resolve();

// ------------------------------------------------------------------ talking to the server
async function api(method, path, body) {
  const options = { method, headers: {} };
  if (method === "POST") {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (_) {
    const error = new Error(LOST);
    error.lost = true;
    throw error;
  }
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
  if (error.status === 404 && app.session && !error.lost) {   // evicted by other pages' sessions: start again
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
  const named = (v) => LABELS[v] || v;
  fillSelect($("dataset"), limits.datasets, named);
  fillSelect($("activation"), limits.activations, named);
  fillSelect($("optimizer"), limits.optimizers, named);
  fillSelect($("regularization"), limits.regularizations, named);
  fillSelect($("lr"), LEARNING_RATES.filter((v) => v >= limits.lr[0] && v <= limits.lr[1]));
  fillSelect($("batch-size"), BATCH_SIZES.filter((v) => v <= limits.batch_size[1]));
  fillSelect($("reg-rate"), REG_RATES.filter((v) => v <= limits.reg_rate[1]));
  fillSelect($("dropout"), DROPOUTS.filter((v) => v <= limits.dropout[1]));
  for (const [id, range] of [["noise", limits.noise], ["samples", limits.samples], ["test-ratio", limits.test_ratio]]) {
    $(id).min = range[0];
    $(id).max = range[1];
  }
  for (const name of limits.features) {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    Object.assign(box, { type: "checkbox", value: name, id: `feature-${name.replace(/[^a-z0-9]/g, "_")}` });
    box.addEventListener("input", () => {
      if (!document.querySelector("#features input:checked")) box.checked = true;   // keep at least one
      settingsChanged();
    });
    label.append(box, LABELS[name] || name);
    $("features").append(label);
  }
  for (const name of Object.keys(limits.presets)) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = name;
    button.dataset.preset = name;
    button.addEventListener("click", () => applySettings(limits.presets[name]));
    $("presets").append(button);
  }
  for (const id of ["dataset", "noise", "samples", "test-ratio", "activation"]) $(id).addEventListener("input", settingsChanged);
  for (const id of Object.keys(LIVE_CONTROLS)) $(id).addEventListener("input", () => enqueue(updateSettings));
  $("add-layer").addEventListener("click", () => changeLayers(+1));
  $("remove-layer").addEventListener("click", () => changeLayers(-1));
  for (const radio of document.querySelectorAll('input[name="view"]')) radio.addEventListener("input", () => enqueue(drawAll));
  for (const id of ["show-test", "discretize"]) $(id).addEventListener("input", () => enqueue(drawAll));
  $("regenerate").addEventListener("click", () => { app.seed = Math.floor(Math.random() * 1e9); settingsChanged(); });
  $("boundary").addEventListener("click", (event) => enqueue(() => addPoint(event)));
  $("unit").addEventListener("click", (event) => { app.point = planePoint($("unit"), event); enqueue(drawSelected); });
  $("start").addEventListener("click", start);
  $("pause").addEventListener("click", pause);
  $("step").addEventListener("click", () => enqueue(() => advance(true)));
  $("reset").addEventListener("click", () => enqueue(resetSession));
}

function changeLayers(delta) {
  const count = app.hidden.length + delta;
  if (count < 0 || count > app.limits.max_layers) return;
  app.hidden = delta > 0 ? [...app.hidden, app.hidden[app.hidden.length - 1] || 4] : app.hidden.slice(0, -1);
  settingsChanged();
}

function changeUnits(layer, delta) {
  const units = app.hidden[layer] + delta;
  if (units < 1 || units > app.limits.max_units) return;
  app.hidden = app.hidden.map((n, i) => (i === layer ? units : n));
  settingsChanged();
}

function setControl(id, value) {
  if (value === undefined) return;
  const control = $(id);
  if (control.tagName === "SELECT" && ![...control.options].some((o) => o.value === String(value))) {
    const values = [...control.options].map((o) => o.value);
    const numeric = typeof value === "number";
    fillSelect(control, [...values.map((v) => (numeric ? Number(v) : v)), value].sort((x, y) => (numeric ? x - y : 0)),
      (v) => LABELS[v] || String(v));
  }
  control.value = String(value);
}

function applySettings(settings) {
  setControl("dataset", settings.dataset);
  setControl("noise", settings.noise);
  setControl("samples", settings.samples);
  setControl("test-ratio", settings.test_ratio);
  setControl("activation", settings.activation);
  setControl("optimizer", settings.optimizer);
  setControl("lr", settings.lr);
  setControl("batch-size", settings.batch_size);
  setControl("regularization", settings.regularization);
  setControl("reg-rate", settings.reg_rate);
  setControl("dropout", settings.dropout);
  if (settings.features) {
    for (const box of document.querySelectorAll("#features input")) box.checked = settings.features.includes(box.value);
  }
  if (settings.hidden) app.hidden = [...settings.hidden];
  if (settings.seed !== undefined) app.seed = settings.seed;
  showOutputs();
  enqueue(createSession);
}

function readSettings() {
  return {
    dataset: $("dataset").value, noise: Number($("noise").value), samples: Number($("samples").value),
    test_ratio: Number($("test-ratio").value),
    features: Array.from(document.querySelectorAll("#features input:checked"), (box) => box.value),
    hidden: [...app.hidden], activation: $("activation").value, seed: app.seed, ...readLive(),
  };
}

function readLive() {
  const live = {};
  for (const [id, name] of Object.entries(LIVE_CONTROLS)) {
    const value = $(id).value;
    live[name] = ["optimizer", "regularization"].includes(name) ? value : Number(value);
  }
  return live;
}

function showOutputs() {
  $("noise-value").textContent = Number($("noise").value).toFixed(2);
  $("samples-value").textContent = $("samples").value;
  $("test-ratio-value").textContent = `${Math.round(100 * Number($("test-ratio").value))} %`;
  $("layer-count").textContent = `${app.hidden.length} hidden layer${app.hidden.length === 1 ? "" : "s"}`;
}

function settingsChanged() {   // sliders fire many events: build the new session once they rest
  showOutputs();
  clearTimeout(app.timer);
  app.timer = setTimeout(() => enqueue(createSession), 200);
}

// Settings in the URL (after #), so that a set-up can be shared; the server checks them.
function saveToUrl() {
  const settings = readSettings();
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) params.set(key, Array.isArray(value) ? value.join(",") : value);
  history.replaceState(null, "", `#${params}`);
}

function settingsFromUrl() {
  if (location.hash.length < 2) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  const settings = {};
  for (const [key, text] of params) {
    if (key === "hidden") settings.hidden = text === "" ? [] : text.split(",").map(Number);
    else if (key === "features") settings.features = text.split(",");
    else settings[key] = text !== "" && !Number.isNaN(Number(text)) ? Number(text) : text;
  }
  return settings;
}

// ------------------------------------------------------------------ sessions and training
async function createSession() {
  const old = app.session;
  app.session = null;
  if (old) api("DELETE", `/api/sessions/${old.id}`).catch(() => {});
  const session = await api("POST", "/api/sessions", readSettings());
  saveToUrl();
  await useSession(session);
}

async function resetSession() {
  await useSession(await api("POST", `/api/sessions/${app.session.id}/reset`));
}

async function updateSettings() {   // rate, optimizer, batch, regularisation, dropout: the weights stay
  if (!app.session) return;
  const answer = await api("POST", `/api/sessions/${app.session.id}/settings`, readLive());
  app.session.config = answer.config;
  saveToUrl();
  showMetrics(answer);
}

async function useSession(session) {
  app.session = session;
  app.hidden = [...session.config.hidden];
  showOutputs();
  showMessage("");
  const sizes = [...session.config.hidden, session.task === "regression" ? 1 : 2];   // units of each Dense
  const output = { layer: sizes.length - 1, unit: sizes[sizes.length - 1] - 1 };
  if (app.selected && app.selected.layer === output.layer) app.selected = output;   // the output stays selected
  else if (!app.selected || app.selected.layer >= sizes.length || app.selected.unit >= sizes[app.selected.layer]) {
    app.selected = sizes.length > 1 ? { layer: 0, unit: 0 } : output;
  }
  const first = session.points[0];
  const round = (v) => Math.round(v * 1000) / 1000;
  app.point = first ? { x: round(first[0]), y: round(first[1]) } : { x: 0, y: 0 };
  $("accuracy-legend").hidden = session.task === "regression";
  showMetrics(session);
  await drawAll();
}

async function addPoint(event) {
  if (!app.session) return;
  const { x, y } = planePoint($("boundary"), event);
  const regression = app.session.task === "regression";
  const label = event.shiftKey ? (regression ? -1 : 0) : 1;
  const state = await api("POST", `/api/sessions/${app.session.id}/points`, { x, y, label });
  Object.assign(app.session, { points: state.points, labels: state.labels });
  showMetrics(state);
  await drawAll();
}

function planePoint(canvas, event) {
  const box = canvas.getBoundingClientRect();
  const [xmin, xmax, ymin, ymax] = app.session.extent;
  const fx = (event.clientX - box.left) / box.width, fy = (event.clientY - box.top) / box.height;
  const round = (v) => Math.round(v * 1000) / 1000;
  return { x: round(Math.min(xmax, Math.max(xmin, xmin + fx * (xmax - xmin)))),
    y: round(Math.min(ymax, Math.max(ymin, ymax - fy * (ymax - ymin)))) };
}

async function advance(single) {
  if (!app.session) return;
  const started = performance.now();
  const body = !single ? { steps: app.steps } : $("step-unit").value === "epoch" ? { epochs: 1 } : { steps: 1 };
  const metrics = await api("POST", `/api/sessions/${app.session.id}/step`, body);
  const took = performance.now() - started;     // more steps per request on a fast server, fewer on a slow one
  if (!single && took < TICK_MS / 2) app.steps = Math.min(2 * app.steps, app.limits.max_steps);
  else if (!single && took > 2 * TICK_MS) app.steps = Math.max(Math.floor(app.steps / 2), 1);
  for (const key of Object.keys(app.session.history)) app.session.history[key].push(metrics[key]);
  showMetrics(metrics);
  if (metrics.diverged) {
    pause();
    showMessage("The loss is no longer finite: lower the learning rate, then press Reset.");
  } else if (metrics.diagnosis) {
    showMessage(metrics.diagnosis);
  }
  await drawAll();
}

function start() {
  if (app.running) return;
  app.running = true;
  $("start").disabled = true;
  $("pause").disabled = false;
  const tick = () => {
    if (!app.running) return;
    enqueue(() => advance(false)).then(() => requestAnimationFrame(tick));
  };
  tick();
}

function pause() {
  app.running = false;
  $("start").disabled = false;
  $("pause").disabled = true;
}

function showMetrics(m) {
  const loss = (v) => (v === null || v === undefined ? "–" : v.toFixed(4));
  const percent = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)} %`);
  $("step-count").textContent = m.step;
  $("epoch").textContent = m.epoch;
  $("loss").textContent = m.loss === null && m.diverged ? "not finite" : loss(m.loss);
  $("test-loss").textContent = loss(m.test_loss);
  $("accuracy").textContent = percent(m.accuracy);
  $("accuracy").dataset.value = String(m.accuracy ?? 0);
  $("test-accuracy").textContent = percent(m.test_accuracy);
  $("loss").dataset.value = String(m.loss);
  $("test-loss").dataset.value = String(m.test_loss);
}

// ------------------------------------------------------------------ drawing
function view() { return document.querySelector('input[name="view"]:checked').value; }

async function drawAll() {
  const session = app.session;
  if (!session) return;
  const id = session.id;
  const [boundary, net] = await Promise.all([
    api("GET", `/api/sessions/${id}/boundary?resolution=${RESOLUTION}`),
    api("GET", `/api/sessions/${id}/network?resolution=${THUMBNAIL}&view=${view()}`),
  ]);
  if (session !== app.session) return;
  $("boundary-caption").textContent = drawBoundary($("boundary"), session, boundary, $("discretize").checked,
    $("show-test").checked) + (session.task === "regression" ? ". Click to add a point of target +1 (shift-click: −1)."
    : ". Click to add an orange point (shift-click: blue).");
  drawCurves(session.history, session.task === "regression");
  app.network = net;
  renderDiagram($("diagram"), net, { selected: app.selected, onUnits: changeUnits,
    onSelect: (layer, unit) => { app.selected = { layer, unit }; enqueue(drawAll); } });
  await drawSelected();
  await drawHidden();
}

async function drawSelected() {
  const session = app.session, selected = app.selected;
  if (!session || !selected) return;
  const id = session.id, hidden = selected.layer < session.config.hidden.length;
  const neuronPath = `/api/sessions/${id}/neuron?layer=${selected.layer}&unit=${selected.unit}` +
    `&x=${app.point.x}&y=${app.point.y}`;
  const [graph, map] = await Promise.all([api("GET", neuronPath), hidden
    ? api("GET", `/api/sessions/${id}/unit?layer=${selected.layer}&unit=${selected.unit}` +
      `&resolution=${UNIT_RESOLUTION}&view=${view()}`)
    : null]);
  if (session !== app.session) return;
  const name = hidden ? `hidden layer ${selected.layer + 1}, unit ${selected.unit + 1}` : "the output";
  let chosen;
  if (hidden) {
    chosen = view() === "gradient" ? symmetricScale(map.values, "∂loss/∂output") : activationScale(map.activation, map.values);
    paintGrid($("unit"), map.values, chosen.colour);
  } else {
    const values = view() === "gradient" ? app.network.maps.output : (await api("GET",
      `/api/sessions/${id}/boundary?resolution=${UNIT_RESOLUTION}`))[session.task === "regression" ? "outputs" : "probabilities"];
    chosen = view() === "gradient" ? symmetricScale(values, "∂loss/∂output") : outputScale(session.task);
    paintGrid($("unit"), values, chosen.colour);
  }
  drawPoints($("unit"), session, 2, 0.35, false);
  const [px, py] = toCanvas($("unit"), session.extent, app.point.x, app.point.y);
  const context = $("unit").getContext("2d");
  context.font = "bold 14px system-ui, sans-serif";
  context.fillStyle = "#000";
  context.fillText("✕", px - 5, py + 5);
  $("unit-caption").textContent = `${name}: ${chosen.text}.`;
  renderNeuronGraph($("neuron-graph"), graph);
  $("graph-caption").textContent = `${name} at (${app.point.x}, ${app.point.y}), target ${graph.target}, step ` +
    `${graph.step}: y = ${graph.activation}(Σ wᵢaᵢ + b). Each edge: its value (black) and ∂loss/∂(it) (red); ` +
    "click the map to move the point ✕.";
}

async function drawHidden() {
  const session = app.session;
  const layer = session.config.hidden.indexOf(2);
  const canvas = $("hidden-space");
  if (layer < 0) {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    $("hidden-caption").textContent = "The hidden space: give a hidden layer exactly 2 units to see the plane's " +
      "grid carried through it.";
    return;
  }
  const space = await api("GET", `/api/sessions/${session.id}/hidden?layer=${layer}`);
  if (session !== app.session) return;
  $("hidden-caption").textContent = `The plane's grid and the points, carried through ${drawHiddenSpace(canvas, space, session.task)}.`;
}

// ------------------------------------------------------------------ start
async function init() {
  app.limits = await api("GET", "/api/config");
  buildControls(app.limits);
  const fromUrl = settingsFromUrl();
  applySettings({ ...app.limits.defaults, ...(fromUrl || {}) });
}

init().catch(handleError);
