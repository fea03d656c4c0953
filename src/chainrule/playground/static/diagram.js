// chainrule playground: the network diagram and one neuron's computation graph (SVG and canvas).
// Every value drawn comes from the server's answer to /network or /neuron.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function svgElement(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.append(element);
  return element;
}

function htmlElement(name, className, parent, text) {
  const element = document.createElement(name);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  parent.append(element);
  return element;
}

// The weight (or gradient) drawn from input i to output j of Dense layer `l`. The classification
// output has two logits and the diagram one output node (P(orange)): its lines show the difference
// w[i][1] − w[i][0], which is what moves the decision.
function edgeValue(matrix, i, j, isOutput, task) {
  if (isOutput && task !== "regression") return matrix[i][1] - matrix[i][0];
  return matrix[i][j];
}

function colourFor(value) {
  return `rgb(${CLASS_RGB[value >= 0 ? 1 : 0].join(",")})`;
}

// Draw the diagram into `box`. `hooks`: onSelect(layer, unit), onUnits(layer, delta), selected: {layer, unit}.
function renderDiagram(box, net, hooks) {
  const hidden = net.maps.hidden.map((layer) => layer.length);
  const columns = [net.features.length, ...hidden, 1];
  const W = Math.max(box.clientWidth, 200), H = Math.max(box.clientHeight, 200), top = 34;
  const size = Math.max(10, Math.min(36, Math.floor((H - top - 4) / Math.max(...columns)) - 4));
  const step = columns.length > 1 ? (W - size - 40) / (columns.length - 1) : 0;
  const colX = (c) => 30 + c * step;
  const nodeY = (c, i) => top + (H - top - columns[c] * (size + 4)) / 2 + i * (size + 4);
  box.replaceChildren();
  const svg = svgElement("svg", { class: "lines", viewBox: `0 0 ${W} ${H}` }, box);
  const gradient = net.view === "gradient";
  const lines = [];
  net.layers.forEach((layer, l) => {
    const matrix = gradient ? layer.gradients : layer.weights;
    if (!matrix) return;
    const isOutput = l === net.layers.length - 1;
    for (let i = 0; i < columns[l]; i++) {
      for (let j = 0; j < columns[l + 1]; j++) {
        lines.push({ l, i, j, value: edgeValue(matrix, i, j, isOutput, net.task),
          weight: edgeValue(layer.weights, i, j, isOutput, net.task),
          grad: layer.gradients ? edgeValue(layer.gradients, i, j, isOutput, net.task) : null });
      }
    }
  });
  const biggest = Math.max(1e-12, ...lines.map((e) => Math.abs(e.value)));
  const names = (c, i) => (c === 0 ? net.features[i] : c === columns.length - 1 ? "output" : `h${c}.${i + 1}`);
  for (const e of lines) {
    const line = svgElement("line", {
      x1: colX(e.l) + size, y1: nodeY(e.l, e.i) + size / 2, x2: colX(e.l + 1), y2: nodeY(e.l + 1, e.j) + size / 2,
      stroke: colourFor(e.value), "stroke-width": (0.4 + 5 * Math.abs(e.value) / biggest).toFixed(2),
      "stroke-opacity": 0.75, "data-layer": e.l, "data-from": e.i, "data-to": e.j,
      "data-weight": e.weight, "data-grad": e.grad === null ? "" : e.grad,
    }, svg);
    const text = `${names(e.l, e.i)} → ${names(e.l + 1, e.j)}: weight ${fmt(e.weight)}` +
      (e.grad === null ? " (no mini-batch yet)" : `, ∂loss/∂w on the last mini-batch ${e.grad.toExponential(2)}`);
    svgElement("title", {}, line).textContent = text;
    line.addEventListener("mouseenter", () => { document.getElementById("weight-readout").textContent = text; });
  }
  // nodes: a small map of each, on its scale
  const mapsOf = [net.maps.features, ...net.maps.hidden, [net.maps.output]];
  mapsOf.forEach((maps, c) => {
    const head = htmlElement("div", "column-head", box);
    head.style.left = `${colX(c) - 14}px`;
    head.style.top = "0px";
    head.style.width = `${size + 28}px`;
    if (c === 0) head.textContent = "features";
    else if (c === columns.length - 1) head.textContent = "output";
    else {
      const plus = htmlElement("button", "", head, "+");
      const minus = htmlElement("button", "", head, "−");
      plus.type = minus.type = "button";
      plus.dataset.addUnit = minus.dataset.removeUnit = String(c - 1);
      plus.title = "add a neuron to this layer";
      minus.title = "remove a neuron from this layer";
      plus.addEventListener("click", () => hooks.onUnits(c - 1, +1));
      minus.addEventListener("click", () => hooks.onUnits(c - 1, -1));
      htmlElement("div", "", head, `${columns[c]} units`);
    }
    maps.forEach((values, i) => {
      const canvas = htmlElement("canvas", "node", box);
      canvas.width = canvas.height = size;
      canvas.style.left = `${colX(c)}px`;
      canvas.style.top = `${nodeY(c, i)}px`;
      const kind = c === 0 ? "feature" : c === columns.length - 1 ? "output" : "hidden";
      let chosen;
      if (gradient) chosen = symmetricScale(values, `∂loss/∂(${names(c, i)})`);
      else if (kind === "feature") chosen = symmetricScale(values, names(c, i));
      else if (kind === "output") chosen = outputScale(net.task);
      else chosen = activationScale(net.activation, values);
      paintGrid(canvas, values, chosen.colour);
      canvas.title = `${names(c, i)}: ${chosen.text}`;
      if (kind === "feature") {
        const label = htmlElement("span", "node-label", box, names(c, i));
        label.style.left = "0px";
        label.style.top = `${nodeY(c, i) + size / 2 - 6}px`;
        return;
      }
      const layer = c - 1, unit = kind === "output" ? (net.task === "regression" ? 0 : 1) : i;
      canvas.dataset.layer = String(layer);
      canvas.dataset.unit = String(unit);
      if (hooks.selected && hooks.selected.layer === layer && hooks.selected.unit === unit) canvas.classList.add("selected");
      canvas.addEventListener("click", () => hooks.onSelect(layer, unit));
    });
  });
}

// One neuron y = f(Σ wᵢaᵢ + b) as operations, with value (black) and gradient (red) on every edge.
function renderNeuronGraph(box, g) {
  const rows = g.inputs.length, rowH = 54, W = 620, H = Math.max(150, rows * rowH + 30);
  box.replaceChildren();
  const svg = svgElement("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}` }, box);
  const rowY = (i) => 20 + i * rowH + rowH / 2;
  const midY = H / 2;
  const label = (x, y, value, grad, anchor = "middle") => {
    const t = svgElement("text", { x, y, "text-anchor": anchor }, svg);
    svgElement("tspan", { fill: "#222" }, t).textContent = fmt(value) + " ";
    svgElement("tspan", { fill: "#c0392b" }, t).textContent = `∂ ${fmt(grad)}`;
  };
  const node = (x, y, text, r = 11) => {
    svgElement("circle", { cx: x, cy: y, r, fill: "#fff", stroke: "#444" }, svg);
    svgElement("text", { x, y: y + 4, "text-anchor": "middle" }, svg).textContent = text;
  };
  const edge = (x1, y1, x2, y2) => svgElement("line", { x1, y1, x2, y2, stroke: "#999" }, svg);
  const sumX = 330, addX = 410, fX = 470, outX = 610;
  g.inputs.forEach((input, i) => {
    const y = rowY(i);
    edge(20, y - 9, 160, y);
    edge(20, y + 9, 160, y);
    edge(160, y, sumX, midY);
    svgElement("text", { x: 2, y: y - 12 }, svg).textContent = input.name;
    label(80, y - 12, input.a, input.da);
    svgElement("text", { x: 2, y: y + 22 }, svg).textContent = `w${i + 1}`;
    label(80, y + 22, input.w, input.dw);
    node(160, y, "×", 9);
    label(250, (y + midY) / 2 - 3 + (y < midY ? -4 : 8), input.product, input.dproduct);
  });
  edge(sumX, midY, addX, midY);
  edge(addX, midY - 45, addX, midY);
  edge(addX, midY, fX, midY);
  edge(fX, midY, outX, midY);
  node(sumX, midY, "Σ");
  node(addX, midY, "+");
  node(fX, midY, g.activation === "linear" ? "id" : "f");
  label(addX - 40, midY - 14, g.sum.value, g.sum.grad);
  svgElement("text", { x: addX, y: midY - 62, "text-anchor": "middle" }, svg).textContent = "b";
  label(addX, midY - 50, g.bias.value, g.bias.grad);
  label(fX - 30, midY + 24, g.z.value, g.z.grad);
  label(outX, midY - 14, g.y.value, g.y.grad, "end");
  svgElement("text", { x: outX - 10, y: midY + 4, "text-anchor": "end" }, svg).textContent = "y";
  return svg;
}
