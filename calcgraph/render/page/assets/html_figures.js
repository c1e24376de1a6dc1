// The chapter's figures, drawn as SVG by the page from the compiled graph and redrawn as inputs
// move. Labels come from names and numbers; text is set with textContent only.
var cgFigures = (function () {
  "use strict";
  var D = CG_DATA, Q = D.quantities, SVG = "http://www.w3.org/2000/svg", values = null, env = null;
  var COLORS = ["#1f5fbf", "#d9480f", "#2b8a3e", "#9c36b5", "#c2255c", "#0b7285", "#5c940d"];
  // Series differ by marker shape as well as colour (the legend shows the same glyph).
  var MARKERS = [["circle", "\u25CF"], ["square", "\u25A0"], ["triangle", "\u25B2"], ["diamond", "\u25C6"],
                 ["cross", "\u2715"], ["plus", "+"], ["down", "\u25BC"]];
  var PATTERNS = [["solid", "\u25A0"], ["hatch", "\u25A8"], ["dots", "\u25A6"]];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

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

  function marker(svg, kind, x, y, color) {
    var r = 3.2, d;
    if (kind === "circle") { svg.appendChild(svgEl("circle", {cx: x, cy: y, r: r, fill: color, "data-marker": kind})); return; }
    if (kind === "square") { d = "M" + (x - r) + " " + (y - r) + "h" + 2 * r + "v" + 2 * r + "h" + -2 * r + "z"; }
    if (kind === "triangle") { d = "M" + x + " " + (y - r - 0.6) + "L" + (x + r + 0.6) + " " + (y + r) + "L" + (x - r - 0.6) + " " + (y + r) + "z"; }
    if (kind === "down") { d = "M" + x + " " + (y + r + 0.6) + "L" + (x + r + 0.6) + " " + (y - r) + "L" + (x - r - 0.6) + " " + (y - r) + "z"; }
    if (kind === "diamond") { d = "M" + x + " " + (y - r - 0.8) + "L" + (x + r + 0.8) + " " + y + "L" + x + " " + (y + r + 0.8) + "L" + (x - r - 0.8) + " " + y + "z"; }
    if (kind === "cross" || kind === "plus") {
      d = kind === "cross" ? "M" + (x - r) + " " + (y - r) + "L" + (x + r) + " " + (y + r) + "M" + (x + r) + " " + (y - r) + "L" + (x - r) + " " + (y + r)
        : "M" + (x - r - 0.6) + " " + y + "H" + (x + r + 0.6) + "M" + x + " " + (y - r - 0.6) + "V" + (y + r + 0.6);
      svg.appendChild(svgEl("path", {d: d, stroke: color, "stroke-width": "1.6", fill: "none", "data-marker": kind}));
      return;
    }
    svg.appendChild(svgEl("path", {d: d, fill: color, "data-marker": kind}));
  }

  function patterns(svg, colors) {  // fills that differ by texture, not only colour
    var defs = svgEl("defs", {});
    colors.forEach(function (color, k) {
      var p = svgEl("pattern", {id: "fill-" + svg.id + "-" + k, width: 6, height: 6, patternUnits: "userSpaceOnUse"});
      p.appendChild(svgEl("rect", {width: 6, height: 6, fill: color, opacity: k ? "0.35" : "1"}));
      if (k === 1) { p.appendChild(svgEl("path", {d: "M-1 7L7 -1M-1 1L1 -1M5 7L7 5", stroke: color, "stroke-width": "1.6"})); }
      if (k === 2) { p.appendChild(svgEl("circle", {cx: 3, cy: 3, r: 1.6, fill: color})); }
      defs.appendChild(p);
    });
    svg.appendChild(defs);
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
    note.textContent = "one marker shape per line; solid: fits in HBM; dashed: does not; ringed dot: the current inputs";
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
      var shape = MARKERS[i % MARKERS.length];
      s.points.forEach(function (p) {
        if (isFinite(p[0]) && isFinite(p[1])) { marker(svg, shape[0], f[0](p[0]), f[1](p[1]), color); }
      });
      legend.appendChild(el("span", {style: "color:" + color, "data-series": shape[0]}, shape[1] + " " + s.label));
    });
    if (isFinite(env[fig.x]) && isFinite(env[fig.y])) {
      svg.appendChild(svgEl("circle", {cx: f[0](env[fig.x]), cy: f[1](env[fig.y]), r: 6, fill: "none", stroke: "#111", "stroke-width": "1.5"}));
      svg.appendChild(svgEl("circle", {cx: f[0](env[fig.x]), cy: f[1](env[fig.y]), r: 2, fill: "#111"}));
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
    patterns(svg, colors);
    rows.forEach(function (r, i) {
      var base = 0, x0 = f[0](i + 0.15), x1 = f[0](i + 0.85);
      r.parts.forEach(function (v, k) {
        if (!isFinite(v)) { return; }
        svg.appendChild(svgEl("rect", {x: x0, width: x1 - x0, y: f[1](base + v), height: f[1](base) - f[1](base + v),
                                       fill: "url(#fill-" + svg.id + "-" + k + ")", stroke: colors[k], "stroke-width": "0.8",
                                       "data-pattern": PATTERNS[k][0]}));
        base += v;
      });
      if (r.b === current) { svg.appendChild(svgEl("rect", {x: x0 - 1, width: x1 - x0 + 2, y: f[1](base) - 1, height: f[1](0) - f[1](base) + 1, fill: "none", stroke: "#111"})); }
      svg.appendChild(svgEl("text", {x: (x0 + x1) / 2, y: 260 - 36 + 12, "text-anchor": "middle"}, cg.formatNumber(r.b, 4)));
    });
    labels.forEach(function (l, k) {
      legend.appendChild(el("span", {style: "color:" + colors[k], "data-series": PATTERNS[k][0]}, PATTERNS[k][1] + " " + l + " (" + PATTERNS[k][0] + ")"));
    });
  }

  function draw(currentValues, currentEnv) {
    values = currentValues;
    env = currentEnv;
    D.figures.forEach(function (fig) {
      var svg = document.getElementById("figure-" + fig.id), note = document.getElementById("note-" + fig.id);
      var legend = document.getElementById("legend-" + fig.id);
      while (svg.firstChild) { svg.removeChild(svg.firstChild); }
      legend.textContent = "";
      if (fig.kind === "lines") { drawLines(fig, svg, note, legend); } else { drawStacked(fig, svg, note, legend); }
    });
  }

  function build(container) {
    D.figures.forEach(function (fig) {
      var figure = el("figure", {"data-figure": fig.id});
      figure.appendChild(el("figcaption", {}, fig.title));
      figure.appendChild(svgEl("svg", {id: "figure-" + fig.id, viewBox: "0 0 420 260", width: "100%", role: "img", "aria-label": fig.title}));
      figure.appendChild(el("div", {id: "legend-" + fig.id, "class": "legend"}));
      figure.appendChild(el("figcaption", {id: "note-" + fig.id}));
      container.appendChild(figure);
    });
  }

  return {build: build, draw: draw};
})();
