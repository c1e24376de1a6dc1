// The page: controls, live values, derivations, warnings and figures. Text from YAML is set with
// textContent or setAttribute only, never parsed as markup.
(function () {
  "use strict";
  var D = CG_DATA, Q = D.quantities, STEPS = 1000;
  var values = Object.create(null), defaults = Object.create(null), controls = Object.create(null);
  var shownEls = Object.create(null), env = null, reasons = Object.create(null), selected = null, invalid = Object.create(null);

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
    if (from !== "box") { markInput(name, null); }
    values[name] = base;
    if (from !== "box") { c.box.value = plain(base / c.input.unit[1]); }
    if (c.slider && from !== "slider") { c.slider.value = String(toSlider(c.input, base)); }
    c.box.classList.toggle("edited", !(base === defaults[name] || (isNaN(base) && isNaN(defaults[name]))));
    update();
  }

  function inputRow(input) {
    var name = input.name, q = Q[name], row = el("tr", {"class": input.pinned ? "pinned" : ""});
    row.appendChild(nameCell(name));
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
                           "data-unit": input.unit[0] || "1", "aria-label": name + " in " + (input.unit[0] || "1"),
                           "aria-describedby": "error-" + name, "aria-invalid": "false"});
    if (input.value === null) { box.setAttribute("placeholder", "unknown"); }
    var onBox = function () {
      var checked = validate(input, box);
      markInput(name, checked.error);
      if (!checked.error) { setInput(name, checked.base, "box"); }
    };
    box.addEventListener("input", onBox);
    box.addEventListener("change", onBox);
    var boxCell = el("td", {"class": "box"});
    boxCell.appendChild(box);
    boxCell.appendChild(el("span", {"class": "error", id: "error-" + name, "data-error": name}));
    row.appendChild(boxCell);
    row.appendChild(el("td", {"class": "unit"}, input.unit[0]));
    var reset = el("button", {type: "button", "class": "reset", title: "reset to " + input.text + " (" + input.where + ")",
                              "aria-label": "reset " + name + " to " + input.text, "data-reset": name}, "\u21BA");
    reset.addEventListener("click", function () { setInput(name, defaults[name], "reset"); });
    var resetCell = el("td");
    resetCell.appendChild(reset);
    row.appendChild(resetCell);
    controls[name] = {input: input, box: box, slider: slider};
    return row;
  }

  function nameCell(name) {  // the name opens the derivation: a button, so Tab and Enter reach it
    var cell = el("td", {"class": "name", title: Q[name].doc});
    var button = el("button", {type: "button", "class": "derive", "data-derive": name,
                               "aria-label": name + ": show its derivation"}, name);
    button.addEventListener("click", function () { select(name); });
    cell.appendChild(button);
    return cell;
  }

  function quantityRow(name) {
    var q = Q[name], row = el("tr", {"data-row": name});
    var value = el("td", {"class": "value", "data-quantity": name, "data-value": "", title: "click: derivation",
                          tabindex: "0", role: "button", "aria-label": name + " value: show its derivation"});
    row.appendChild(nameCell(name));
    row.appendChild(el("td", {"class": "symbol"}, q.symbol));
    row.appendChild(value);
    row.appendChild(el("td", {"class": "unit"}));
    value.addEventListener("click", function () { select(name); });
    value.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(name); }
    });
    shownEls[name] = row;
    return row;
  }

  // ---- validation: the command line's domains and messages ----
  function validate(input, box) {
    var name = input.name, text = box.value.trim(), unit = input.unit[0] || "", d = input.domain;
    if (box.validity && box.validity.badInput) {
      return {error: name + ": expected a number" + (unit ? " in " + unit : "") + ", not text"};
    }
    if (text === "") { return {error: name + ": give a value" + (unit ? " in " + unit : "")}; }
    var x = Number(text);
    if (!isFinite(x)) { return {error: name + ": expected a number, got '" + text + "'"}; }
    var base = x * input.unit[1];
    if (d && ((d.min !== null && (d.min_strict ? base <= d.min : base < d.min))
              || (d.max !== null && (d.max_strict ? base >= d.max : base > d.max)))) {
      return {error: name + " = " + text + (unit ? " " + unit : "") + " is out of its domain: " + d.text};
    }
    var trial = Object.create(null), k;
    for (k in values) { trial[k] = values[k]; }
    trial[name] = base;
    var problems = cg.evaluate(trial).problems;
    if (problems.length) {
      return {error: name + " = " + text + (unit ? " " + unit : "") + " makes " + problems[0].name
              + " not finite (division by zero or overflow, " + problems[0].where + ")"};
    }
    return {base: base};
  }

  function markInput(name, error) {
    var c = controls[name], message = document.getElementById("error-" + name);
    if (error) { invalid[name] = error; } else { delete invalid[name]; }
    c.box.setAttribute("aria-invalid", error ? "true" : "false");
    message.textContent = error || "";
    var bad = Object.keys(invalid), panel = document.getElementById("outputs-section");
    panel.classList.toggle("stale", bad.length > 0);
    panel.setAttribute("data-stale", bad.length ? "1" : "");
    document.getElementById("stale").textContent = bad.length
      ? "Results held at the last valid inputs: fix " + bad.join(", ") + "." : "";
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
    if (isNaN(env[name])) { return lines.concat(["    no answer at these inputs: " + (reasons[name] || "no value satisfies the constraints")]); }
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
      if (isNaN(result.env[n])) { texts.push(n + ": no answer, " + (result.reasons[n] || "no " + D.solves[n]["for"] + " satisfies " + D.solves[n].constraints.map(function (c) { return c.text; }).join(" and "))); }
    });
    texts.forEach(function (t) { box.appendChild(el("p", {"data-warning": ""}, "\u26A0 " + t)); });
  }

  // ---- updating ----
  function update() {
    var result = cg.evaluate(values);
    env = result.env;
    reasons = result.reasons;
    Object.keys(shownEls).forEach(function (name) {
      var cell = shownEls[name].querySelector("[data-quantity]"), s = shown(name, env[name]);
      cell.setAttribute("data-value", isFinite(env[name]) ? String(env[name] / Q[name].factor) : "");
      cell.textContent = s[0];
      shownEls[name].lastChild.textContent = s[1];
    });
    warnings(result);
    cgFigures.draw(values, env);
    if (selected) { select(selected); }
  }

  function build() {
    document.getElementById("title").textContent = D.title;
    document.getElementById("subtitle").textContent = D.scenario + (D.variant ? " [variant " + D.variant + "]" : "")
      + " \u2014 every value computed in this page from the scenario's formulas";
    var container = document.getElementById("inputs"), bodies = Object.create(null);
    var idle = D.inputs.filter(function (i) { return i.idle; }).length, fold = null;
    if (idle) {
      fold = el("details", {id: "idle-inputs"});
      fold.appendChild(el("summary", {}, idle + " inputs that change no result at these values "
        + "(switched-off terms, knobs of architectures this model does not use)"));
    }
    function body(input) {
      var key = (input.idle ? "idle:" : "") + input.group;
      if (!bodies[key]) {
        var title = D.groups.filter(function (g) { return g[0] === input.group; })[0][1];
        var group = el("div", {"class": "group", "data-group": key});
        group.appendChild(el(input.idle ? "h4" : "h3", {}, title));
        var table = el("table", {"class": "inputs"}), tbody = el("tbody");
        table.appendChild(tbody);
        group.appendChild(table);
        (input.idle ? fold : container).appendChild(group);
        bodies[key] = tbody;
      }
      return bodies[key];
    }
    D.inputs.forEach(function (input) {
      defaults[input.name] = input.value === null ? NaN : input.value;
      values[input.name] = defaults[input.name];
      body(input).appendChild(inputRow(input));
    });
    if (fold) { container.appendChild(fold); }
    var headline = document.querySelector("#headline tbody"), all = document.querySelector("#all tbody");
    D.report.forEach(function (name) { headline.appendChild(quantityRow(name)); });
    D.order.forEach(function (name) { if (D.report.indexOf(name) < 0) { all.appendChild(quantityRow(name)); } });
    cgFigures.build(document.getElementById("figures"));
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
