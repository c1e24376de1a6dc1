// calcgraph's evaluator and solver in the page: the same order, formulas, rules and search as
// calcgraph/evaluate.py, solve.py (scalar path). Needs CG_DATA, CG_FORMULAS, CG_SIDES, CG_CHECKS.
var cg = (function () {
  "use strict";
  var D = CG_DATA, NO_VALUE = "no value satisfies the constraints";
  // the rules of every backend, from calcgraph/core/formula/floats.py and engine/solve/problem.py (page data "rules")
  var SNAP = D.rules.snap, HOLD = D.rules.hold, MONOTONE = D.rules.monotone, EQUAL = D.rules.equal,
    SCAN_POINTS = D.rules.scan_points, INTEGER_BOUNDS = D.rules.integer_bounds,
    ERLANG_MAX = D.rules.erlang_max_servers, ERLANG_TAIL = D.rules.erlang_tail;

  function snap(x) {  // calcgraph/core/formula/floats.py snap_float: relative, so 1e-10 stays 1e-10
    var nearest = Math.round(x);
    return Math.abs(x - nearest) <= SNAP * Math.abs(x) ? nearest : x;
  }

  function ceilTo(x, allowed) {
    x = snap(x);
    var result = NaN, sorted = allowed.slice().sort(function (a, b) { return b - a; });
    for (var i = 0; i < sorted.length; i++) { if (x <= sorted[i]) { result = sorted[i]; } }
    return result;
  }

  function roundHalfEven(x) {  // Python's round() and numpy's rint: 2.5 -> 2, 3.5 -> 4
    var r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  function erlangC(servers, load) {  // calcgraph/core/formula/queueing.py: the same recurrence over Erlang B
    if (isNaN(servers) || isNaN(load) || load < 0 || servers > ERLANG_MAX + 0.5) { return NaN; }
    var c = roundHalfEven(servers), b = 1.0;
    if (c < 1 || load >= c) { return 1.0; }
    if (c > load + ERLANG_TAIL[0] * Math.sqrt(load) + ERLANG_TAIL[1]) { return 0.0; }
    for (var k = 1; k <= c; k++) { b = load * b / (k + load * b); }
    return c * b / (c - load * (1.0 - b));
  }

  function copy(env) {
    var out = Object.create(null);
    for (var k in env) { out[k] = env[k]; }
    return out;
  }

  // ---- solve nodes: calcgraph/solve.py solve_problem, scalar ----
  function Problem(name) {
    this.name = name;
    this.spec = D.solves[name];
    this.sides = CG_SIDES[name];
  }

  Problem.prototype.sidesAt = function (env, x) {
    var local = copy(env), spec = this.spec, i, k;
    for (i = 0; i < spec.constraints.length; i++) {
      for (k in spec.constraints[i].constants) { local[k] = spec.constraints[i].constants[k]; }
    }
    local[spec["for"]] = x;
    for (i = 0; i < spec.plan.length; i++) {
      var n = spec.plan[i];
      local[n] = D.quantities[n].kind === "solve" ? solveNode(n, local) : CG_FORMULAS[n](local);
    }
    return this.sides.map(function (side) { return [side[0](local), side[1](local)]; });
  };

  function slack(op, lhs, rhs) {  // relative, >= 0 holds (strict: > 0); NaN when a side is not finite
    var scale = Math.max(Math.max(Math.abs(lhs), Math.abs(rhs)), 1e-300);
    var s = (op === "<=" || op === "<") ? rhs - lhs : (op === ">=" || op === ">") ? lhs - rhs
      : -Math.abs(lhs - rhs);
    s = s / scale;
    if (!(isFinite(lhs) && isFinite(rhs))) { s = NaN; }
    return (op === "<=" || op === ">=") ? s + HOLD : s;
  }

  function holds(op, s) { return isFinite(s) && ((op === "<" || op === ">") ? s > 0 : s >= 0); }

  Problem.prototype.slacks = function (sides) {
    var cs = this.spec.constraints;
    return sides.map(function (lr, i) { return slack(cs[i].op, lr[0], lr[1]); });
  };

  Problem.prototype.feasible = function (slacks) {
    var cs = this.spec.constraints;
    for (var i = 0; i < slacks.length; i++) { if (!holds(cs[i].op, slacks[i])) { return false; } }
    return true;
  };

  function nanmin(values) {
    var m = NaN;
    values.forEach(function (v) { if (!isNaN(v) && (isNaN(m) || v < m)) { m = v; } });
    return m;
  }

  function geomspace(low, high, num) {  // numpy.geomspace, endpoints exact
    var a = Math.log10(low), b = Math.log10(high), step = (b - a) / (num - 1), out = [];
    for (var i = 0; i < num; i++) { out.push(Math.pow(10, i * step + a)); }
    out[0] = low; out[num - 1] = high;
    return out;
  }

  function scanPoints(low, high, integer) {
    var points, i;
    if (low > 0) { points = geomspace(low, high, SCAN_POINTS); } else {
      var rest = geomspace((high - low) * 1e-9, high - low, SCAN_POINTS - 1);
      points = [low].concat(rest.map(function (r) { return low + r; }));
    }
    if (!integer) { return points; }
    var lo = Math.ceil(low), hi = Math.floor(high), seen = {}, out = [];
    for (i = 0; i < points.length; i++) {
      var p = Math.min(Math.max(roundHalfEven(points[i]), lo), hi);
      if (!seen[p]) { seen[p] = true; out.push(p); }
    }
    return out.sort(function (x, y) { return x - y; });
  }

  function roundHalfEven(x) {
    var r = Math.round(x);
    return (Math.abs(x % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r;
  }

  Problem.prototype.bounds = function (env) {
    var spec = this.spec, factor = spec.factor;
    if (spec.bounds) { return [spec.bounds[0] / factor, spec.bounds[1] / factor]; }
    if (spec.integer) { return INTEGER_BOUNDS; }
    var v = spec["for"] in env ? env[spec["for"]] : 1.0;
    var current = Math.abs(v) / factor || 1.0;
    if (isNaN(Math.abs(v) / factor)) { current = NaN; }
    return [current * 1e-9, current * 1e9];
  };

  Problem.prototype.slackAt = function (env, x) { return this.slacks(this.sidesAt(env, x)); };

  Problem.prototype.monotone = function (allSlacks) {
    for (var c = 0; c < this.spec.constraints.length; c++) {
      var finite = allSlacks.map(function (s) { return s[c]; }).filter(isFinite), up = false, down = false;
      var top = 1.0;
      finite.forEach(function (v) { top = Math.max(top, Math.abs(v)); });
      var tolerance = finite.length ? MONOTONE * top : 0;
      for (var i = 1; i < finite.length; i++) {
        var step = finite[i] - finite[i - 1];
        if (step > tolerance) { up = true; }
        if (step < -tolerance) { down = true; }
      }
      if (up && down) { this.reason = this.spec.constraints[c].text + " is not monotone in " + this.spec["for"]; return false; }
    }
    return true;
  };

  Problem.prototype.refineInteger = function (env, good, bad, gGood, gBad, factor) {
    var lastWidth = Math.abs(bad - good), bisection = false;
    while (Math.abs(bad - good) > 1) {
      var step = bad > good ? 1 : -1, guess;
      if (!bisection && isFinite(gGood) && isFinite(gBad) && gGood !== gBad) {
        var t = good + (bad - good) * gGood / (gGood - gBad);
        guess = step > 0 ? Math.floor(t) : Math.ceil(t);
      } else {
        guess = step > 0 ? good + Math.floor((bad - good) / 2) : good - Math.floor((good - bad) / 2);
      }
      guess = Math.min(Math.max(guess, Math.min(good, bad) + 1), Math.max(good, bad) - 1);
      var slacks = this.slackAt(env, guess * factor);
      var g = slacks.some(isFinite) ? nanmin(slacks) : -Infinity;
      if (this.feasible(slacks)) { good = guess; gGood = g; } else { bad = guess; gBad = g; }
      var width = Math.abs(bad - good);
      bisection = width > lastWidth / 2;
      lastWidth = width;
    }
    return [good, bad];
  };

  function brentq(f, xa, xb, xtol, rtol, iter) {  // scipy.optimize.brentq (scipy/optimize/Zeros/brentq.c)
    var xpre = xa, xcur = xb, xblk = 0, fblk = 0, spre = 0, scur = 0, fpre = f(xpre), fcur = f(xcur);
    if (fpre === 0) { return xpre; }
    if (fcur === 0) { return xcur; }
    if ((fpre < 0) === (fcur < 0)) { return NaN; }
    for (var i = 0; i < iter; i++) {
      if (fpre !== 0 && fcur !== 0 && ((fpre < 0) !== (fcur < 0))) {
        xblk = xpre; fblk = fpre; spre = scur = xcur - xpre;
      }
      if (Math.abs(fblk) < Math.abs(fcur)) {
        xpre = xcur; xcur = xblk; xblk = xpre;
        fpre = fcur; fcur = fblk; fblk = fpre;
      }
      var delta = (xtol + rtol * Math.abs(xcur)) / 2, sbis = (xblk - xcur) / 2, stry;
      if (fcur === 0 || Math.abs(sbis) < delta) { return xcur; }
      if (Math.abs(spre) > delta && Math.abs(fcur) < Math.abs(fpre)) {
        if (xpre === xblk) { stry = -fcur * (xcur - xpre) / (fcur - fpre); } else {
          var dpre = (fpre - fcur) / (xpre - xcur), dblk = (fblk - fcur) / (xblk - xcur);
          stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre));
        }
        if (2 * Math.abs(stry) < Math.min(Math.abs(spre), 3 * Math.abs(sbis) - delta)) {
          spre = scur; scur = stry;
        } else { spre = sbis; scur = sbis; }
      } else { spre = sbis; scur = sbis; }
      xpre = xcur; fpre = fcur;
      xcur += Math.abs(scur) > delta ? scur : (sbis > 0 ? delta : -delta);
      fcur = f(xcur);
    }
    return xcur;
  }

  Problem.prototype.refineContinuous = function (env, good, bad, factor) {
    var self = this;
    var g = function (x) { return nanmin(self.slackAt(env, x * factor)) - HOLD; };
    var root = brentq(g, good, bad, 1e-12 * Math.max(Math.abs(good), Math.abs(bad)), 1e-12, 100);
    var inward = root;
    for (var i = 0; i < 60; i++) {
      if (this.feasible(this.slackAt(env, inward * factor))) { break; }
      inward = inward === root ? inward + (good - root) * 1e-9 : inward + (inward - root);
    }
    return [inward, bad];
  };

  Problem.prototype.solveInequalities = function (env) {
    var spec = this.spec, factor = spec.factor, self = this, i;
    var lh = this.bounds(env), points = scanPoints(lh[0], lh[1], spec.integer);
    var slacks = points.map(function (p) { return self.slackAt(env, p * factor); });
    var ok = slacks.map(function (s) { return self.feasible(s); });
    var combined = slacks.map(nanmin);
    var none = [NaN, null];
    this.reason = NO_VALUE;  // why there is no answer, as calcgraph/engine/solve/scalar.py words it
    if (!ok.some(Boolean)) { return none; }
    if (ok.every(Boolean)) { this.reason = "the constraints hold for every " + spec["for"] + " in the bounds"; return none; }
    if (!this.monotone(slacks)) { return none; }
    this.reason = "the constraints hold on separate stretches of " + spec["for"];
    var index = [];
    for (i = 0; i < ok.length; i++) { if (ok[i]) { index.push(i); } }
    for (i = 1; i < index.length; i++) { if (index[i] - index[i - 1] !== 1) { return none; } }
    this.reason = NO_VALUE;
    var first = index[0], last = index[index.length - 1], good, bad, gi, bi, direction = "largest";
    if (first === 0 || last < points.length - 1) { good = points[last]; bad = points[last + 1]; gi = last; bi = last + 1; }
    else { good = points[first]; bad = points[first - 1]; gi = first; bi = first - 1; direction = "smallest"; }
    var gb = spec.integer ? this.refineInteger(env, good, bad, combined[gi], combined[bi], factor)
      : this.refineContinuous(env, good, bad, factor);
    var value = gb[0] * factor;
    if (!this.feasible(this.slackAt(env, value)) || this.feasible(this.slackAt(env, gb[1] * factor))) {
      return none;  // could not verify the answer
    }
    return [value, direction];
  };

  Problem.prototype.solve = function (env) {  // the equation path: calcgraph/solve.py _solve_equation
    var spec = this.spec;
    if (!spec.constraints.some(function (c) { return c.op === "=="; })) { return this.solveInequalities(env)[0]; }
    if (spec.constraints.length !== 1) { return NaN; }
    var low = this.bounds(env)[0] * spec.factor, lr = this.sidesAt(env, low)[0];
    var inner = new Problem(this.name);
    inner.spec = copy(spec);
    inner.spec.constraints = [copy(spec.constraints[0])];
    inner.spec.constraints[0].op = lr[0] <= lr[1] ? "<=" : ">=";
    var result = inner.solveInequalities(env), candidates = [result[0]];
    if (isNaN(result[0])) { return NaN; }
    if (spec.integer) { candidates.push(result[0] + (result[1] === "largest" ? spec.factor : -spec.factor)); }
    for (var i = 0; i < candidates.length; i++) {
      var s = this.sidesAt(env, candidates[i])[0];
      if (Math.abs(s[0] - s[1]) <= EQUAL * Math.max(Math.abs(s[0]), Math.abs(s[1]), 1e-300)) { return candidates[i]; }
    }
    return NaN;
  };

  function solveNode(name, env, reasons) {  // reasons (optional): name -> why there is no answer
    var problem = new Problem(name), value = problem.solve(env);
    if (reasons && isNaN(value)) { reasons[name] = problem.reason || NO_VALUE; }
    return value;
  }

  // ---- the graph, in order: calcgraph/evaluate.py evaluate ----
  function evaluate(values, names) {
    var env = Object.create(null), problems = [], reasons = Object.create(null), order = D.order, wanted = null, i, k;
    for (k in values) { env[k] = values[k] === null ? NaN : values[k]; }
    if (names) {
      wanted = Object.create(null);
      var visit = function (n) {
        if (wanted[n]) { return; }
        wanted[n] = true;
        D.quantities[n].deps.forEach(visit);
      };
      names.forEach(visit);
    }
    for (i = 0; i < order.length; i++) {
      var name = order[i], q = D.quantities[name];
      if (name in values || (wanted && !wanted[name])) { continue; }
      var value = q.kind === "solve" ? solveNode(name, env, reasons) : CG_FORMULAS[name](env);
      if (!isFinite(value)) {
        if (q.kind !== "solve" && !q.names.some(function (n) { return isNaN(env[n]); })) {
          problems.push({name: name, where: q.where, operands: q.names.map(function (n) { return [n, env[n]]; })});
        }
        value = NaN;
      }
      env[name] = value;
    }
    return {env: env, problems: problems, reasons: reasons};
  }

  function checks(env) {  // [{check, lhs, rhs, holds}] for every check, NaN sides: not known
    return D.checks.map(function (c, i) {
      var local = copy(env);
      for (var k in c.constants) { local[k] = c.constants[k]; }
      var lhs = CG_CHECKS[i][0](local), rhs = CG_CHECKS[i][1](local);
      var ok = holds(c.op, slack(c.op, lhs, rhs));
      return {check: c, lhs: lhs, rhs: rhs, known: isFinite(lhs) && isFinite(rhs), holds: ok};
    });
  }

  function displayUnit(name, base) {  // calcgraph/units.py display_unit over the precomputed scale ladder
    var q = D.quantities[name], ladder = q.ladder, chosen = null;
    if (ladder.length === 1) { return ladder[0]; }
    if (!isFinite(base) || base === 0) { return q.declared; }
    for (var i = 0; i < ladder.length; i++) {
      var value = Math.abs(base) / ladder[i][1];
      if (chosen === null || value >= 1 - 1e-9) { chosen = ladder[i]; }
      if (value < 1000) { break; }
    }
    return chosen;
  }

  function formatNumber(value, digits) {  // calcgraph/units.py format_number
    digits = digits || 5;
    if (value === null || isNaN(value)) { return "nan"; }
    if (value === 0) { return "0"; }
    if (!isFinite(value)) { return value > 0 ? "inf" : "-inf"; }
    var m = Math.abs(value);
    if (m >= 1e-3 && m < 1e7) {
      if (Number.isInteger(value)) { return String(value); }
      if (Math.abs(Number(value.toPrecision(digits))) >= Math.pow(10, digits)) {  // %g goes exponential
        var e = value.toExponential(digits).split("e"), x = parseInt(e[1], 10);
        return e[0] + "e" + (x < 0 ? "-" : "+") + (Math.abs(x) < 10 ? "0" : "") + Math.abs(x);
      }
      return Number(value.toPrecision(digits)).toString();
    }
    var parts = value.toExponential(digits - 1).split("e"), mantissa = parts[0];
    if (mantissa.indexOf(".") >= 0) { mantissa = mantissa.replace(/0+$/, "").replace(/\.$/, ""); }
    var exponent = parseInt(parts[1], 10);
    return mantissa + "e" + (exponent < 0 ? "-" : "") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
  }

  function sidesAt(name, env, x) { return new Problem(name).sidesAt(env, x); }

  return {snap: snap, ceilTo: ceilTo, erlangC: erlangC, evaluate: evaluate, solveNode: solveNode, checks: checks, sidesAt: sidesAt,
          holds: function (op, lhs, rhs) { return holds(op, slack(op, lhs, rhs)); },
          displayUnit: displayUnit, formatNumber: formatNumber};
})();
