// chainrule playground: drawing. Colour scales, maps, points, curves and the hidden space.
// Nothing here computes the network: every number drawn came from the server.
"use strict";

const CLASS_RGB = [[31, 119, 180], [255, 127, 14]];   // class 0 / negative blue, class 1 / positive orange
const WHITE = [255, 255, 255];

function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

// A colour scale: values from `low` (blue) through `mid` (white) to `high` (orange), clamped.
// `text` is what the caption says, so that the caption always matches the drawing.
function scale(low, mid, high, text) {
  const colour = (v) => {
    if (v >= mid) return mix(WHITE, CLASS_RGB[1], high > mid ? Math.min((v - mid) / (high - mid), 1) : 0);
    return mix(WHITE, CLASS_RGB[0], mid > low ? Math.min((mid - v) / (mid - low), 1) : 0);
  };
  return { low, mid, high, colour, text };
}

const fmt = (v) => (Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(2));

function symmetricScale(values, what) {
  const m = Math.max(1e-6, ...values.flat().map(Math.abs));
  return scale(-m, 0, m, `${what} from −${fmt(m)} (blue) through 0 (white) to +${fmt(m)} (orange)`);
}

// The fixed scale of each activation's outputs (ReLU: 0 white up to the map's maximum).
function activationScale(activation, values) {
  if (activation === "tanh") return scale(-1, 0, 1, "tanh output: −1 (blue), 0 (white), +1 (orange)");
  if (activation === "sigmoid") return scale(0, 0.5, 1, "sigmoid output: 0 (blue), 0.5 (white), 1 (orange)");
  if (activation === "relu") {
    const m = Math.max(1e-6, ...values.flat());
    return scale(0, 0, m, `ReLU output: 0 (white) up to ${fmt(m)} (orange), this map's maximum`);
  }
  return symmetricScale(values, activation === "linear" ? "linear output" : "leaky ReLU output");
}

function outputScale(task) {
  return task === "regression"
    ? scale(-1, 0, 1, "the network's output: −1 (blue), 0 (white), +1 (orange)")
    : scale(0, 0.5, 1, "P(orange): 0 (blue), 0.5 (white), 1 (orange)");
}

function paintGrid(canvas, rows, colour) {
  const n = rows.length;
  const small = document.createElement("canvas");
  small.width = small.height = n;
  const context = small.getContext("2d");
  const image = context.createImageData(n, n);
  rows.forEach((row, i) => row.forEach((value, j) => {
    image.data.set([...colour(value), 255], 4 * (i * n + j));
  }));
  context.putImageData(image, 0, 0);
  const target = canvas.getContext("2d");
  target.imageSmoothingEnabled = true;
  target.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function toCanvas(canvas, extent, x, y) {
  const [xmin, xmax, ymin, ymax] = extent;
  return [((x - xmin) / (xmax - xmin)) * canvas.width, ((ymax - y) / (ymax - ymin)) * canvas.height];
}

function pointColour(label, task) {
  if (task !== "regression") return `rgb(${CLASS_RGB[label].join(",")})`;
  return `rgb(${scale(-1, 0, 1, "").colour(label).join(",")})`;
}

function drawPoints(canvas, session, radius, alpha, test) {
  const points = test ? session.test_points : session.points;
  const labels = test ? session.test_labels : session.labels;
  const context = canvas.getContext("2d");
  context.globalAlpha = alpha;
  context.lineWidth = test ? 2 : 1;
  context.strokeStyle = test ? "#000" : "#444";
  points.forEach(([x, y], i) => {
    const [px, py] = toCanvas(canvas, session.extent, x, y);
    context.beginPath();
    if (test) context.rect(px - radius, py - radius, 2 * radius, 2 * radius);   // test points: squares
    else context.arc(px, py, radius, 0, 2 * Math.PI);
    context.fillStyle = pointColour(labels[i], session.task);
    context.fill();
    context.stroke();
  });
  context.globalAlpha = 1;
}

function drawBoundary(canvas, session, boundary, discretize, showTest) {
  const values = boundary.probabilities || boundary.outputs;
  const base = outputScale(session.task);
  const colour = discretize
    ? (v) => mix(WHITE, base.colour(v >= base.mid ? base.high : base.low), 0.55)
    : (v) => mix(WHITE, base.colour(v), 0.7);
  paintGrid(canvas, values, colour);
  drawPoints(canvas, session, 4, 1, false);
  if (showTest) drawPoints(canvas, session, 4, 1, true);
  return base.text + (discretize ? ", discretized at " + base.mid : "");
}

// A small chart of two curves against the step, on its own axis from 0 to `top`.
function drawChart(canvas, steps, series, top, labelFor) {
  const context = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, left = 34, pad = 6;
  context.clearRect(0, 0, w, h);
  context.font = "10px system-ui, sans-serif";
  context.fillStyle = "#666";
  context.strokeStyle = "#e4e4e4";
  context.lineWidth = 1;
  for (const f of [0, 1]) {
    const y = h - pad - f * (h - 2 * pad);
    context.beginPath(); context.moveTo(left, y); context.lineTo(w - 4, y); context.stroke();
    context.fillText(labelFor(f * top), 0, y + 4);
  }
  if (steps.length === 0) return;
  const last = Math.max(steps[steps.length - 1], 1);
  for (const [values, colour] of series) {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.beginPath();
    let drawing = false;
    values.forEach((v, i) => {
      if (v === null || v === undefined) { drawing = false; return; }
      const x = left + (steps[i] / last) * (w - left - 4);
      const y = h - pad - (Math.min(v, top) / top) * (h - 2 * pad);
      if (drawing) context.lineTo(x, y); else context.moveTo(x, y);
      drawing = true;
    });
    context.stroke();
  }
  context.fillStyle = "#666";
  context.fillText(`step ${steps[steps.length - 1]}`, w - 70, 10);
}

function drawCurves(history, regression) {
  const losses = [...history.loss, ...history.test_loss].filter((v) => v !== null && v !== undefined);
  const top = Math.max(1e-6, ...losses);
  drawChart(document.getElementById("loss-chart"), history.step,
    [[history.loss, "#c0392b"], [history.test_loss, "#7d3c98"]], top, (v) => v.toFixed(2));
  const accuracy = document.getElementById("accuracy-chart");
  if (regression) {
    accuracy.getContext("2d").clearRect(0, 0, accuracy.width, accuracy.height);
    return;
  }
  drawChart(accuracy, history.step, [[history.accuracy, "#c0392b"], [history.test_accuracy, "#7d3c98"]], 1,
    (v) => `${Math.round(100 * v)}%`);
}

// The plane's grid lines after the hidden layer, and the training points, in that layer's 2-D space.
function drawHiddenSpace(canvas, space, task) {
  const all = [...space.lines.flat(), ...space.points];
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const lo = [Math.min(...xs), Math.min(...ys)], hi = [Math.max(...xs), Math.max(...ys)];
  const span = [Math.max(hi[0] - lo[0], 1e-6), Math.max(hi[1] - lo[1], 1e-6)];
  const w = canvas.width, h = canvas.height, m = 8;
  const at = (p) => [m + ((p[0] - lo[0]) / span[0]) * (w - 2 * m), h - m - ((p[1] - lo[1]) / span[1]) * (h - 2 * m)];
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, w, h);
  context.strokeStyle = "#999";
  context.lineWidth = 1;
  for (const line of space.lines) {
    context.beginPath();
    line.forEach((p, i) => { const [x, y] = at(p); if (i) context.lineTo(x, y); else context.moveTo(x, y); });
    context.stroke();
  }
  space.points.forEach((p, i) => {
    const [x, y] = at(p);
    context.beginPath();
    context.arc(x, y, 2.5, 0, 2 * Math.PI);
    context.fillStyle = pointColour(space.labels[i], task);
    context.fill();
  });
  return `hidden layer ${space.layer + 1}: unit 1 across from ${fmt(lo[0])} to ${fmt(hi[0])}, ` +
    `unit 2 up from ${fmt(lo[1])} to ${fmt(hi[1])}`;
}
