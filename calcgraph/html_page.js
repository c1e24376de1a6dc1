// The page: controls, live values, derivations, warnings and figures. Text from YAML is set with
// textContent or setAttribute only, never parsed as markup.
(function () {
  "use strict";
  var D = CG_DATA, Q = D.quantities, SVG = "http://www.w3.org/2000/svg", STEPS = 1000;
  var COLORS = ["#1f5fbf", "#d9480f", "#2b8a3e", "#9c36b5", "#c2255c", "#0b7285", "#5c940d"];
  var values = Object.create(null), defaults = Object.create(null), controls = Object.create(null);
  var shownEls = Object.create(null), env = null, selected = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function shown(name, base) {  // [number text, unit text] in the display unit
    var unit = cg.displayUnit(name, base);
    if (!isFinite(base)) { return [isNaN(base) ? "unknown" : String(base), unit[0]]; }
    return [cg.formatNumber(base / unit[1]), unit[0]];
  }

  function plain(x) { return isFinite(x) ? String(Number(x.toPrecision(15))) : ""; }

  // ---- controls ----
  function toSlider(input, base) {
    var v = base, lo = input.min, hi = input.max;
    if (v === null || !isFinite(v)) { return 0; }
    var t = input.log ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo);
    return Math.round(Math.min(Math.max(t, 0), 1) * STEPS);
  }

  function fromSlider(input, position) {
    var t = position / STEPS, lo = input.min, hi = input.max;
    var v = input.log ? lo * Math.pow(hi / lo, t) : lo + (hi - lo) * t;
    if (input.integer) {
      var f = Q[input.name].factor;
      v = Math.round(v / f) * f;
    }
    return v;
  }

  function setInput(name, base, from) {
    var c = controls[name];
    values[name] = base;
    if (from !== "box") { c.box.value = plain(base / c.input.unit[1]); }
    if (c.slider && from !== "slider") { c.slider.value = String(toSlider(c.input, base)); }
    c.box.classList.toggle("edited", !(base === defaults[name] || (isNaN(base) && isNaN(defaults[name]))));
    update();
  }

  function inputRow(input) {
    var name = input.name, q = Q[name], row = el("tr", {"class": input.pinned ? "pinned" : ""});
    var nameCell = el("td", {"class": "name", title: q.doc}, name);
    nameCell.addEventListener("click", function () { select(name); });
    row.appendChild(nameCell);
    row.appendChild(el("td", {"class": "symbol"}, q.symbol));
    var sliderCell = el("td"), slider = null;
    if (input.min !== null && input.max !== null) {
      slider = el("input", {type: "range", min: "0", max: String(STEPS), step: "1", "data-slider": name,
                            "aria-label": name + " slider"});
      slider.addEventListener("input", function () { setInput(name, fromSlider(input, +slider.value), "slider"); });
      sliderCell.appendChild(slider);
    }
    row.appendChild(sliderCell);
    var box = el("input", {type: "number", step: input.integer ? "1" : "any", "data-input": name,
                           "data-unit": input.unit[0], "aria-label": name + " in " + input.unit[0]});
    if (input.value === null) { box.setAttribute("placeholder", "unknown"); }
    var onBox = function () {
      var text = box.value.trim(), x = parseFloat(text);
      if (text === "" || !isFinite(x)) { return; }
      setInput(name, x * input.unit[1], "box");
    };
    box.addEventListener("input", onBox);
    box.addEventListener("change", onBox);
    var boxCell = el("td");
    boxCell.appendChild(box);
    row.appendChild(boxCell);
    row.appendChild(el("td", {"class": "unit"}, input.unit[0]));
    var reset = el("button", {type: "button", "class": "reset", title: "reset to " + input.text + " (" + input.where + ")",
                              "data-reset": name}, "\u21BA");
    reset.addEventListener("click", function () { setInput(name, defaults[name], "reset"); });
    var resetCell = el("td");
    resetCell.appendChild(reset);
    row.appendChild(resetCell);
    controls[name] = {input: input, box: box, slider: slider};
    return row;
  }

  function quantityRow(name) {
    var q = Q[name], row = el("tr", {"data-row": name});
    var nameCell = el("td", {"class": "name", title: q.doc}, name);
    var value = el("td", {"class": "value", "data-quantity": name, "data-value": "", title: "click: derivation"});
    row.appendChild(nameCell);
    row.appendChild(el("td", {"class": "symbol"}, q.symbol));
    row.appendChild(value);
    row.appendChild(el("td", {"class": "unit"}));
    [nameCell, value].forEach(function (c) { c.addEventListener("click", function () { select(name); }); });
    shownEls[name] = row;
    return row;
  }

  // ---- derivations ----
  function inPlace(q) {
    return q.formula.replace(/[A-Za-z][A-Za-z0-9_]*(?!\s*\()/g, function (word) {
      if (q.names.indexOf(word) < 0) { return word; }
      var s = shown(word, env[word]);
      return s[1] ? "(" + s[0] + " " + s[1] + ")" : s[0];
    });
  }

  function inSymbols(q) {
    return q.formula.replace(/[A-Za-z][A-Za-z0-9_]*(?!\s*\()/g, function (word) {
      return q.names.indexOf(word) < 0 ? word : Q[word].symbol;
    });
  }

  function derivation(name) {
    var q = Q[name], result = shown(name, env[name]), lines = [name + " (" + q.symbol + "): " + q.doc, ""];
    var answer = "    = " + result[0] + (result[1] ? " " + result[1] : "");
    if (name in values) {
      var input = controls[name].input;
      lines.push(name + " = " + result.join(" ") + "    [" + (input.pinned ? "pinned at " : "") + input.where + "]");
      if (values[name] !== defaults[name]) { lines.push("    (changed on this page; the scenario says " + input.text + ")"); }
      if (input.pinned && q.formula) { lines.push("    its formula " + q.formula + " is not used"); }
    } else if (q.kind === "formula") {
      lines.push(name + " = " + q.formula + "    [" + q.where + "]", q.symbol + " = " + inSymbols(q),
                 "    = " + inPlace(q), answer);
    } else {
      lines = lines.concat(solveLines(name, answer));
    }
    if (q.source) { lines.push("", "source: " + q.source); }
    if (q.deps.length) { lines.push("", "uses: " + q.deps.join(", ")); }
    return lines.join("\n");
  }

  function sideText(text, shownConstants) {
    return text.replace(/[A-Za-z][A-Za-z0-9_]*/g, function (w) { return shownConstants && w in shownConstants ? shownConstants[w] : w; });
  }

  function side(c, text, base) {
    var label = sideText(text, c.shown) + " = ";
    return label + (c.unit_of ? shown(c.unit_of, base).join(" ") : cg.formatNumber(base));
  }

  function solveLines(name, answer) {
    var s = D.solves[name], text = s.constraints.map(function (c) { return c.text; }).join(" and ");
    var lines = [name + " = the extreme " + s["for"] + " with " + text + "    [" + s.where + "]", answer];
    if (isNaN(env[name])) { return lines.concat(["    no value satisfies the constraints at these inputs"]); }
    var xs = s.integer ? [env[name], env[name] + s.factor, env[name] - s.factor] : [env[name]];
    xs.forEach(function (x) {
      var sides = cg.sidesAt(name, env, x);
      lines.push("    at " + s["for"] + " = " + cg.formatNumber(x / s.factor) + ": " + s.constraints.map(function (c, k) {
        var ok = cg.holds(c.op, sides[k][0], sides[k][1]) ? "holds" : "fails";
        return side(c, c.lhs, sides[k][0]) + " " + c.op + " " + side(c, c.rhs, sides[k][1]) + " (" + ok + ")";
      }).join("; "));
    });
    lines.push("    (" + (s.integer ? "integer search: log-spaced scan, then regula falsi with bisection; verified: the answer holds, the next value outward fails"
      : "continuous: log-spaced scan, then brentq; verified") + ")");
    return lines;
  }

  function select(name) {
    selected = name;
    Array.prototype.forEach.call(document.querySelectorAll("tr.selected"), function (r) { r.classList.remove("selected"); });
    if (shownEls[name]) { shownEls[name].classList.add("selected"); }
    document.getElementById("derivation").textContent = derivation(name);
  }

  // ---- warnings ----
  function warnings(result) {
    var box = document.getElementById("warnings"), texts = [];
    box.textContent = "";
    cg.checks(result.env).forEach(function (c) {
      if (c.known && !c.holds) {
        texts.push(c.check.message + ": " + side(c.check, c.check.lhs, c.lhs) + ", " + side(c.check, c.check.rhs, c.rhs));
      }
    });
    result.problems.forEach(function (p) {
      texts.push(p.name + " is not finite: division by zero or overflow (" + p.where + ")");
    });
    Object.keys(D.solves).forEach(function (n) {
      if (isNaN(result.env[n])) { texts.push(n + ": no " + D.solves[n]["for"] + " satisfies " + D.solves[n].constraints.map(function (c) { return c.text; }).join(" and ")); }
    });
    texts.forEach(function (t) { box.appendChild(el("p", {"data-warning": ""}, "\u26A0 " + t)); });
  }

  // ---- figures ----
  function evaluateAt(overrides, names) {
    var v = Object.create(null), k;
    for (k in values) { v[k] = values[k]; }
    for (k in overrides) { v[k] = overrides[k]; }
    return cg.evaluate(v, names).env;
  }

  function fits(point) {
    return cg.checks(point).every(function (c) { return !c.known || c.holds; });
  }

  function checkNames() {
    var names = [];
    D.checks.forEach(function (c) { names = names.concat(c.names); });
    return names;
  }

  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function ticks(lo, hi, log) {
    var out = [], e, m;
    if (log) {
      for (e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
        [1, 2, 5].forEach(function (mm) { m = mm * Math.pow(10, e); if (m >= lo * 0.999 && m <= hi * 1.001) { out.push(m); } });
      }
      return out;
    }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / 4 || 1)));
    if ((hi - lo) / step > 10) { step *= 2; }
    if ((hi - lo) / step > 10) { step *= 2.5; }
    for (m = Math.ceil(lo / step) * step; m <= hi * 1.0001; m += step) { out.push(m); }
    return out;
  }

  function frame(svg, xr, yr, xName, yName, xLog, yLog) {  // axes; returns [x(), y()] in pixels
    var W = 420, H = 260, L = 56, R = 10, T = 10, B = 36;
    var xu = cg.displayUnit(xName, xr[1]), yu = cg.displayUnit(yName, yr[1]);
    var fx = function (v) { var t = xLog ? Math.log(v / xr[0]) / Math.log(xr[1] / xr[0]) : (v - xr[0]) / (xr[1] - xr[0]); return L + t * (W - L - R); };
    var fy = function (v) { var t = yLog ? Math.log(v / yr[0]) / Math.log(yr[1] / yr[0]) : (v - yr[0]) / (yr[1] - yr[0]); return H - B - t * (H - T - B); };
    ticks(xr[0] / xu[1], xr[1] / xu[1], xLog).forEach(function (t) {
      var x = fx(t * xu[1]);
      svg.appendChild(svgEl("line", {x1: x, x2: x, y1: T, y2: H - B, "class": "grid"}));
      svg.appendChild(svgEl("text", {x: x, y: H - B + 12, "text-anchor": "middle"}, cg.formatNumber(t, 3)));
    });
    ticks(yr[0] / yu[1], yr[1] / yu[1], yLog).forEach(function (t) {
      var y = fy(t * yu[1]);
      svg.appendChild(svgEl("line", {x1: L, x2: W - R, y1: y, y2: y, "class": "grid"}));
      svg.appendChild(svgEl("text", {x: L - 4, y: y + 3, "text-anchor": "end"}, cg.formatNumber(t, 3)));
    });
    svg.appendChild(svgEl("line", {x1: L, x2: W - R, y1: H - B, y2: H - B, "class": "axis"}));
    svg.appendChild(svgEl("line", {x1: L, x2: L, y1: T, y2: H - B, "class": "axis"}));
    svg.appendChild(svgEl("text", {x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle"}, xName + " (" + xu[0] + ")"));
    svg.appendChild(svgEl("text", {x: 12, y: (T + H - B) / 2, "text-anchor": "middle", transform: "rotate(-90 12 " + (T + H - B) / 2 + ")"},
                          yName + " (" + yu[0] + ")"));
    return [fx, fy];
  }

  function range(list, log) {
    var good = list.filter(function (v) { return isFinite(v) && (!log || v > 0); });
    if (!good.length) { return null; }
    var lo = Math.min.apply(null, good), hi = Math.max.apply(null, good);
    if (lo === hi) { lo = log ? lo / 2 : lo - 1; hi = log ? hi * 2 : hi + 1; }
    return log ? [lo / 1.1, hi * 1.1] : [Math.min(0, lo), hi * 1.05];
  }

  function drawLines(fig, svg, note, legend) {
    var names = [fig.x, fig.y].concat(checkNames()), series = [], xs = [], ys = [];
    var vf = Q[fig.vary].factor, pf = Q[fig.per].factor;
    fig.lines.forEach(function (per) {
      var points = fig.batches.map(function (b) {
        var over = {}; over[fig.vary] = b * vf; over[fig.per] = per * pf;
        var p = evaluateAt(over, names);
        xs.push(p[fig.x]); ys.push(p[fig.y]);
        return [p[fig.x], p[fig.y], fits(p)];
      });
      series.push({label: fig.per + " = " + per, points: points});
    });
    var xr = range(xs, true), yr = range(ys, true);
    if (!xr || !yr) { note.textContent = fig.y + " is unknown at these inputs (an input it needs is unknown)"; return; }
    note.textContent = "solid: fits in HBM; dashed: does not; dot: the current inputs";
    var f = frame(svg, xr, yr, fig.x, fig.y, true, true);
    series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length], fitted = "", over = "";
      s.points.forEach(function (p, k) {
        if (!isFinite(p[0]) || !isFinite(p[1])) { return; }
        var xy = f[0](p[0]).toFixed(1) + "," + f[1](p[1]).toFixed(1);
        if (p[2]) { fitted += (fitted ? " " : "") + xy; }
        if (!p[2] || (k + 1 < s.points.length && !s.points[k + 1][2])) { over += (over ? " " : "") + xy; }
      });
      if (over) { svg.appendChild(svgEl("polyline", {points: over, fill: "none", stroke: color, "stroke-dasharray": "4 3", opacity: "0.6"})); }
      if (fitted) { svg.appendChild(svgEl("polyline", {points: fitted, fill: "none", stroke: color, "stroke-width": "1.6"})); }
      legend.appendChild(el("span", {style: "color:" + color}, "\u2014 " + s.label));
    });
    if (isFinite(env[fig.x]) && isFinite(env[fig.y])) {
      svg.appendChild(svgEl("circle", {cx: f[0](env[fig.x]), cy: f[1](env[fig.y]), r: 4, fill: "#111"}));
    }
  }

  function drawStacked(fig, svg, note, legend) {
    var vf = Q[fig.vary].factor, batches = fig.batches.filter(function (b) { return (b & (b - 1)) === 0 && b <= 256; });
    var current = values[fig.vary] / vf;
    if (batches.indexOf(current) < 0 && isFinite(current)) { batches = batches.concat([current]).sort(function (a, b) { return a - b; }); }
    var rows = batches.map(function (b) {
      var over = {}; over[fig.vary] = b * vf;
      var p = evaluateAt(over, fig.parts.concat([fig.total]));
      var w = p[fig.parts[0]], fl = p[fig.parts[1]], kv = p[fig.parts[2]];
      return {b: b, parts: [w, Math.max(fl - w, 0), kv], total: p[fig.total]};
    });
    var top = Math.max.apply(null, rows.map(function (r) { return isFinite(r.total) ? r.total : 0; }));
    if (!(top > 0)) { note.textContent = "step time unknown at these inputs"; return; }
    note.textContent = "weights read, compute beyond the weight read, KV cache read; the outlined bar is the current batch";
    var f = frame(svg, [0, rows.length], [0, top * 1.05], fig.vary, fig.total, false, false);
    svg.querySelectorAll("text").forEach(function (t) { if (t.getAttribute("y") === String(260 - 36 + 12)) { t.remove(); } });
    var labels = [fig.parts[0], fig.parts[1] + " beyond " + fig.parts[0], fig.parts[2]], colors = ["#1f5fbf", "#f08c00", "#2b8a3e"];
    rows.forEach(function (r, i) {
      var base = 0, x0 = f[0](i + 0.15), x1 = f[0](i + 0.85);
      r.parts.forEach(function (v, k) {
        if (!isFinite(v)) { return; }
        svg.appendChild(svgEl("rect", {x: x0, width: x1 - x0, y: f[1](base + v), height: f[1](base) - f[1](base + v), fill: colors[k]}));
        base += v;
      });
      if (r.b === current) { svg.appendChild(svgEl("rect", {x: x0 - 1, width: x1 - x0 + 2, y: f[1](base) - 1, height: f[1](0) - f[1](base) + 1, fill: "none", stroke: "#111"})); }
      svg.appendChild(svgEl("text", {x: (x0 + x1) / 2, y: 260 - 36 + 12, "text-anchor": "middle"}, cg.formatNumber(r.b, 4)));
    });
    labels.forEach(function (l, k) { legend.appendChild(el("span", {style: "color:" + colors[k]}, "\u25A0 " + l)); });
  }

  function drawFigures() {
    D.figures.forEach(function (fig) {
      var svg = document.getElementById("figure-" + fig.id), note = document.getElementById("note-" + fig.id);
      var legend = document.getElementById("legend-" + fig.id);
      while (svg.firstChild) { svg.removeChild(svg.firstChild); }
      legend.textContent = "";
      if (fig.kind === "lines") { drawLines(fig, svg, note, legend); } else { drawStacked(fig, svg, note, legend); }
    });
  }

  // ---- updating ----
  function update() {
    var result = cg.evaluate(values);
    env = result.env;
    Object.keys(shownEls).forEach(function (name) {
      var cell = shownEls[name].querySelector("[data-quantity]"), s = shown(name, env[name]);
      cell.setAttribute("data-value", isFinite(env[name]) ? String(env[name] / Q[name].factor) : "");
      cell.textContent = s[0];
      shownEls[name].lastChild.textContent = s[1];
    });
    warnings(result);
    drawFigures();
    if (selected) { select(selected); }
  }

  function build() {
    document.getElementById("title").textContent = D.title;
    document.getElementById("subtitle").textContent = D.scenario + (D.variant ? " [variant " + D.variant + "]" : "")
      + " \u2014 every value computed in this page from the scenario's formulas";
    var inputs = document.querySelector("#inputs tbody");
    D.inputs.forEach(function (input) {
      defaults[input.name] = input.value === null ? NaN : input.value;
      values[input.name] = defaults[input.name];
      inputs.appendChild(inputRow(input));
    });
    var headline = document.querySelector("#headline tbody"), all = document.querySelector("#all tbody");
    D.report.forEach(function (name) { headline.appendChild(quantityRow(name)); });
    D.order.forEach(function (name) { if (D.report.indexOf(name) < 0) { all.appendChild(quantityRow(name)); } });
    var figures = document.getElementById("figures");
    D.figures.forEach(function (fig) {
      var figure = el("figure", {"data-figure": fig.id});
      figure.appendChild(el("figcaption", {}, fig.title));
      figure.appendChild(svgEl("svg", {id: "figure-" + fig.id, viewBox: "0 0 420 260", width: "100%", role: "img", "aria-label": fig.title}));
      figure.appendChild(el("div", {id: "legend-" + fig.id, "class": "legend"}));
      figure.appendChild(el("figcaption", {id: "note-" + fig.id}));
      figures.appendChild(figure);
    });
    D.inputs.forEach(function (input) {
      var c = controls[input.name];
      c.box.value = plain(values[input.name] / input.unit[1]);
      if (c.slider) { c.slider.value = String(toSlider(input, values[input.name])); }
    });
    update();
    document.body.setAttribute("data-ready", "1");
  }

  build();
})();
