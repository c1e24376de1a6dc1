"""Inverse solving: the extreme value of an input at which every constraint holds.

Numeric and exact first. One vectorised scan of the bracket (log-spaced
points) checks that feasibility changes once and each constraint's slack is
monotone, and narrows the bracket; integers are then found by regula falsi
with a bisection safeguard on the exact evaluator, continuous values by
scipy's ``brentq``. Every answer is verified (an integer answer n holds and
the next value outward fails). A sympy closed form is shown only when it
exists and agrees with the numeric answer; for grids it is used as a first
guess that is verified point by point.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import sympy

from ..core.constraints import SolveSpec, constant_values, describe_constant, parse_constraint, substituted
from ..core.evaluate import compile_expr
from ..core.expr import CeilTo, symbol
from ..core.names import suggest
from ..core.numbers import format_number
from ..core.units import Unit, display_unit, format_unit, to_unit
from ..errors import NoSolutionError, SolveError, UnknownNameError

SCAN_POINTS = 33
INTEGER_BOUNDS = (1.0, 1e12)
HOLD = 1e-12  # relative slack below which a constraint still holds (floating rounding)


@dataclass(frozen=True)
class SolveResult:
    """An answer, how it was found and why it is right."""

    for_name: str
    value: float  # base units
    unit: Unit
    integer: bool
    direction: str  # "largest" or "smallest"
    constraints: tuple
    binding: str | None
    method: str
    bracket: tuple  # in the declared unit of for_name
    evaluations: int
    slack: tuple  # (constraint text, slack text)
    closed_form: str | None = None
    closed_form_latex: str | None = None
    points: int = 0
    notes: tuple = field(default_factory=tuple)

    @property
    def shown(self) -> float:
        """The value in the declared unit of ``for_name``."""
        return float(to_unit(self.value, self.unit))

    def text(self) -> str:
        """Plain text for the terminal."""
        unit = format_unit(self.unit.pint_unit)
        lines = [f"{self.direction} {self.for_name} with {' and '.join(self.constraints)}: "
                 f"{format_number(self.shown, 8)} {unit}".rstrip()]
        if self.binding:
            lines.append(f"  binding: {self.binding}")
        for text, slack in self.slack:
            lines.append(f"  slack at the answer: {slack}   [{text}]")
        low, high = self.bracket
        lines.append(f"  method: {self.method}; {self.evaluations} evaluations "
                     f"({self.points} points) in [{format_number(low)}, {format_number(high)}] {unit}".rstrip())
        if self.closed_form:
            lines.append(f"  closed form: {self.closed_form}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_json(self) -> str:
        """The contract JSON: value, unit, method and, where one exists, the closed form."""
        return json.dumps({
            "for": self.for_name, "value": self.shown,
            "unit": format_unit(self.unit.pint_unit) or "dimensionless",
            "direction": self.direction, "method": "numeric", "search": self.method,
            "binding": self.binding, "constraints": list(self.constraints),
            "evaluations": self.evaluations, "points": self.points,
            "bracket": list(self.bracket), "slack": dict(self.slack),
            "closed_form": self.closed_form}, indent=2)


class _Problem:
    """The constraints of one solve, compiled over the part of the graph that depends on the unknown."""

    def __init__(self, scenario, spec: SolveSpec):
        self.scenario, self.spec, self.graph = scenario, spec, scenario.graph
        self.target = self.graph[spec.for_name]
        needed: set[str] = set()
        for c in spec.constraints:
            for name in c.names:
                needed |= {name, *nx.ancestors(self.graph.dag, name)}
        downstream = nx.descendants(self.graph.dag, spec.for_name)
        self.plan = [n for n in self.graph.order if n in needed and n in downstream
                     and n not in scenario.bound]
        if not any(spec.for_name == n or n in downstream for c in spec.constraints for n in c.names):
            raise SolveError(f"the constraints do not depend on {spec.for_name!r}", where=spec.where,
                             hint="solve for an input the constrained quantities use: "
                                  + ", ".join(_inputs_of(self.graph, spec)))
        self.sides = [(compile_expr(c.comparison.lhs.expr), compile_expr(c.comparison.rhs.expr))
                      for c in spec.constraints]
        self.constants = {k: v for c in spec.constraints for k, v in constant_values(c).items()}
        self.evaluations = 0
        self.points = 0
        self._guess = False  # not computed yet

    def guess_function(self):
        """The closed form of the largest answer, compiled (once), or None when there is none."""
        if self._guess is False:
            try:
                root = closed_form(self.graph, self.spec, "largest")
            except (TypeError, ValueError, ZeroDivisionError):
                root = None
            self._guess = None if root is None else compile_expr(root)
        return self._guess

    def sides_at(self, env: dict, x) -> list[tuple]:
        """(lhs, rhs) of each constraint with the unknown at ``x`` (base units; arrays welcome)."""
        self.evaluations += 1
        self.points += int(np.size(x)) if np.ndim(x) else 1
        local = dict(env)
        local.update(self.constants)
        local[self.spec.for_name] = x
        with np.errstate(all="ignore"):
            for name in self.plan:
                quantity = self.graph[name]
                if quantity.solve is not None:
                    local[name] = solve_node(self.scenario, name, local)
                else:
                    local[name] = compile_expr(quantity.formula.expr)(local)
            return [(np.asarray(lhs(local), float), np.asarray(rhs(local), float)) for lhs, rhs in self.sides]

    def slacks(self, sides) -> list:
        """Relative slack of each constraint (>= 0 holds); NaN where a side is not finite."""
        out = []
        for c, (lhs, rhs) in zip(self.spec.constraints, sides, strict=True):
            scale = np.maximum(np.maximum(np.abs(lhs), np.abs(rhs)), 1e-300)
            s = c.slack(lhs, rhs) / scale
            s = np.where(np.isfinite(lhs) & np.isfinite(rhs), s, np.nan)
            out.append(s + HOLD if c.op in ("<=", ">=") else s)
        return out

    def feasible(self, slacks) -> np.ndarray:
        """Every constraint holds (strict ones with a positive slack)."""
        ok = True
        for c, s in zip(self.spec.constraints, slacks, strict=True):
            ok = ok & ((s > 0) if c.op in ("<", ">") else (s >= 0))
        return np.asarray(ok & np.all([np.isfinite(s) for s in slacks], axis=0))


def _inputs_of(graph, spec) -> list[str]:
    names = set()
    for c in spec.constraints:
        for n in c.names:
            names |= set(graph.inputs_of(n))
    return sorted(names) or ["(none: the constraints use only inputs)"]


def _bounds(problem: _Problem, env: dict) -> tuple[float, float]:
    """The bracket in declared units of the unknown."""
    factor = problem.target.unit.factor
    if problem.spec.bounds is not None:
        return problem.spec.bounds[0] / factor, problem.spec.bounds[1] / factor
    if problem.spec.integer:
        return INTEGER_BOUNDS
    current = abs(float(np.max(env.get(problem.spec.for_name, 1.0)))) / factor or 1.0
    return current * 1e-9, current * 1e9


def _scan_points(low: float, high: float, integer: bool) -> np.ndarray:
    if low > 0:
        points = np.geomspace(low, high, SCAN_POINTS)
    else:
        points = np.concatenate([[low], low + np.geomspace((high - low) * 1e-9, high - low, SCAN_POINTS - 1)])
    if integer:
        points = np.unique(np.clip(np.round(points), math.ceil(low), math.floor(high)))
    return points


def _check_monotone(problem: _Problem, slacks, points, name: str) -> None:
    for c, s in zip(problem.spec.constraints, slacks, strict=True):
        finite = s[np.isfinite(s)]
        steps = np.diff(finite)
        tolerance = 1e-9 * max(1.0, float(np.max(np.abs(finite)))) if finite.size else 0
        if np.any(steps > tolerance) and np.any(steps < -tolerance):
            raise NoSolutionError(
                f"the constraint {c.text!r} is not monotone in {name} over "
                f"[{format_number(points[0])}, {format_number(points[-1])}]: it holds and fails more than once",
                where=problem.spec.where, hint="narrow the bounds to one side of the turn, or solve another input")


def _describe_failure(problem: _Problem, env: dict, x: float, name: str) -> str:
    sides = problem.sides_at(env, x)
    parts = []
    for c, (lhs, rhs) in zip(problem.spec.constraints, sides, strict=True):
        parts.append(f"{c.comparison.lhs.text} = {_show(problem, c, float(lhs))}, "
                     f"{c.comparison.rhs.text} = {_show(problem, c, float(rhs))}")
    text = "; ".join(parts)
    for c in problem.spec.constraints:
        for cname, value, unit in c.constants:
            text = text.replace(cname, describe_constant(value, unit))
    return f"at {name} = {format_number(x / problem.target.unit.factor)}: {text}"


def _show(problem: _Problem, constraint, value: float) -> str:
    """A base value of the constraint's dimension in a human unit."""
    for name in constraint.names:
        quantity = problem.graph[name]
        if quantity.unit.dim == constraint.dim:
            unit = display_unit(quantity.unit, value)
            return f"{format_number(float(to_unit(value, unit)))} {format_unit(unit)}".rstrip()
    for _, _, unit_text in constraint.constants:
        return describe_constant(value, unit_text)
    return format_number(value)


def _refine_integer(problem, env, good, bad, g_good, g_bad, factor):
    """Shrink [good (holds), bad (fails)] to neighbours; regula falsi with a bisection safeguard."""
    last_width = abs(bad - good)
    use_bisection = False
    while abs(bad - good) > 1:
        step = 1 if bad > good else -1
        if not use_bisection and np.isfinite(g_good) and np.isfinite(g_bad) and g_good != g_bad:
            t = good + (bad - good) * g_good / (g_good - g_bad)
            guess = math.floor(t) if step > 0 else math.ceil(t)
        else:
            guess = good + (bad - good) // 2 if step > 0 else good - (good - bad) // 2
        guess = min(max(guess, min(good, bad) + 1), max(good, bad) - 1)
        slacks = problem.slacks(problem.sides_at(env, guess * factor))
        g = float(np.nanmin(slacks)) if np.any(np.isfinite(slacks)) else -np.inf
        if problem.feasible(slacks):
            good, g_good = guess, g
        else:
            bad, g_bad = guess, g
        width = abs(bad - good)
        use_bisection = width > last_width / 2
        last_width = width
    return good, bad


def _refine_continuous(problem, env, good, bad, factor):
    try:
        from scipy.optimize import brentq  # imported only here
    except ImportError:
        raise SolveError(f"solving for the continuous {problem.spec.for_name!r} needs scipy",
                         where=problem.spec.where,
                         hint="pip install 'calcgraph[solve]' (or scipy), or add --integer") from None

    def g(x):
        slacks = problem.slacks(problem.sides_at(env, x * factor))
        return float(np.nanmin(slacks)) - HOLD

    root, info = brentq(g, good, bad, xtol=1e-12 * max(abs(good), abs(bad)), rtol=1e-12, full_output=True)
    inward = root
    for _ in range(60):
        if problem.feasible(problem.slacks(problem.sides_at(env, inward * factor))):
            break
        inward = inward + (good - root) * 1e-9 if inward == root else inward + (inward - root)
    return inward, bad


def _solve_equation(problem: _Problem, env: dict) -> SolveResult:
    """``lhs == rhs``: the boundary of the matching inequality, then equality checked there."""
    spec, name = problem.spec, problem.spec.for_name
    if len(spec.constraints) != 1:
        raise SolveError("an equation (==) must be the only constraint", where=spec.where,
                         hint="solve the equation alone, or write the others as inequalities")
    (equation,) = spec.constraints
    low = _bounds(problem, env)[0] * problem.target.unit.factor
    ((lhs, rhs),) = problem.sides_at(env, low)
    op = "<=" if lhs <= rhs else ">="
    inequality = replace(equation, comparison=replace(equation.comparison, op=op))
    bounded = _Problem(problem.scenario, replace(spec, constraints=(inequality,)))
    result = solve_problem(bounded, env)
    candidates = [result.value]
    if spec.integer:
        step = problem.target.unit.factor if result.direction == "largest" else -problem.target.unit.factor
        candidates.append(result.value + step)
    for x in candidates:
        ((lhs, rhs),) = problem.sides_at(env, x)
        if abs(float(lhs) - float(rhs)) <= 1e-9 * max(abs(float(lhs)), abs(float(rhs)), 1e-300):
            return replace(result, value=x, direction="value of", constraints=(equation.text,),
                           binding=equation.text, evaluations=result.evaluations + problem.evaluations,
                           closed_form=None, closed_form_latex=None)
    shown = [format_number(c / problem.target.unit.factor) for c in candidates]
    raise NoSolutionError(f"no integer {name} gives {equation.text}: it passes between {name} = "
                          f"{' and '.join(shown)}", where=spec.where,
                          hint="drop --integer, or write the constraint as <= or >=")


def solve_problem(problem: _Problem, env: dict) -> SolveResult:
    """Solve one scalar problem (every env value a scalar) and verify the answer."""
    if any(c.op == "==" for c in problem.spec.constraints):
        return _solve_equation(problem, env)
    spec, name, factor = problem.spec, problem.spec.for_name, problem.target.unit.factor
    low, high = _bounds(problem, env)
    points = _scan_points(low, high, spec.integer)
    slacks = problem.slacks(problem.sides_at(env, points * factor))
    ok = problem.feasible(slacks)
    combined = np.nanmin(np.vstack(slacks), axis=0) if len(slacks) > 1 else slacks[0]
    text = " and ".join(c.text for c in spec.constraints)
    bracket = f"[{format_number(low)}, {format_number(high)}]"
    if not ok.any():
        best = points[int(np.nanargmax(np.where(np.isfinite(combined), combined, -np.inf)))] \
            if np.any(np.isfinite(combined)) else points[0]
        raise NoSolutionError(f"no {name} in {bracket} satisfies {text}; the closest, "
                              + _describe_failure(problem, env, best * factor, name),
                              where=spec.where, hint="relax the constraint or change other inputs")
    if ok.all():
        raise NoSolutionError(f"{text} never binds for {name} in {bracket}: it holds everywhere",
                              where=spec.where, hint="the answer is not limited by this constraint; "
                                                     "widen the bounds or add the constraint that limits it")
    _check_monotone(problem, slacks, points, name)
    index = np.flatnonzero(ok)
    if np.any(np.diff(index) != 1):
        raise NoSolutionError(f"{text} holds on separate stretches of {name} in {bracket}",
                              where=spec.where, hint="narrow the bounds")
    first, last = int(index[0]), int(index[-1])
    notes = []
    if first > 0 and last < len(points) - 1:
        notes.append(f"the constraints also fail below {name} = {format_number(points[first - 1])}; "
                     "this is the largest value")
    if first == 0 or last < len(points) - 1:
        direction, good, bad, gi, bi = "largest", points[last], points[last + 1], last, last + 1
    else:
        direction, good, bad, gi, bi = "smallest", points[first], points[first - 1], first, first - 1
    if spec.integer:
        good, bad = _refine_integer(problem, env, int(good), int(bad), combined[gi], combined[bi], factor)
        method = "integer search: log-spaced scan, then regula falsi with bisection"
    else:
        good, bad = _refine_continuous(problem, env, float(good), float(bad), factor)
        method = "continuous: log-spaced scan, then brentq"
    value = float(good) * factor
    at_answer = problem.sides_at(env, value)
    outside = problem.sides_at(env, float(bad) * factor)
    holds = problem.feasible(problem.slacks(at_answer))
    fails_out = problem.slacks(outside)
    if not holds or problem.feasible(fails_out):
        raise NoSolutionError(f"could not verify the answer {name} = {format_number(good)}",
                              where=spec.where, hint="report this: the constraints may be discontinuous")
    binding = [c.text for c, s in zip(spec.constraints, fails_out, strict=True) if not np.all(s >= 0)]
    slack_rows = []
    for c, (lhs, rhs) in zip(spec.constraints, at_answer, strict=True):
        left, right = c.comparison.lhs.text, c.comparison.rhs.text
        for cname, cvalue, cunit in c.constants:
            shown = describe_constant(cvalue, cunit)
            left, right = left.replace(cname, shown), right.replace(cname, shown)
        difference = c.slack(float(lhs), float(rhs))
        expression = f"{right} - {left}" if c.op in ("<=", "<") else f"{left} - {right}"
        slack_rows.append((c.text, f"{expression} = {_show(problem, c, difference)}"))
    closed, latex = _closed_form_text(problem, env, good, direction)
    return SolveResult(for_name=name, value=value, unit=problem.target.unit, integer=spec.integer,
                       direction=direction, constraints=tuple(c.text for c in spec.constraints),
                       binding=" and ".join(binding) or None, method=method, bracket=(low, high),
                       evaluations=problem.evaluations, slack=tuple(slack_rows), closed_form=closed,
                       closed_form_latex=latex, points=problem.points, notes=tuple(notes))


def closed_form(graph, spec: SolveSpec, direction: str = "largest") -> sympy.Expr | None:
    """The answer as a sympy expression of quantities that do not depend on the unknown, if linear."""
    x = symbol(spec.for_name)
    downstream = nx.descendants(graph.dag, spec.for_name)
    formulas = {symbol(n): graph[n].formula.expr for n in downstream
                if graph[n].formula is not None and graph[n].solve is None}
    roots = []
    for c in spec.constraints:
        lhs, rhs = substituted(c)
        difference = lhs - rhs
        for _ in range(64):
            expanded = difference.xreplace(formulas)
            if expanded == difference:
                break
            difference = expanded
        if any(symbol(n) in difference.free_symbols for n in downstream):
            return None
        if x not in difference.free_symbols:
            continue
        if difference.has(sympy.Max, sympy.Min, sympy.ceiling, sympy.floor, CeilTo, sympy.Abs):
            return None
        slope = sympy.diff(difference, x)
        if x in slope.free_symbols or slope == 0:
            return None
        roots.append(sympy.cancel(-difference.xreplace({x: 0}) / slope))
    if not roots:
        return None
    root = roots[0] if len(roots) == 1 else (sympy.Min(*roots) if direction == "largest" else sympy.Max(*roots))
    if spec.integer:
        root = sympy.floor(root) if direction == "largest" else sympy.ceiling(root)
    return root


def _closed_form_text(problem: _Problem, env: dict, answer: float, direction: str):
    try:
        root = closed_form(problem.graph, problem.spec, direction)
    except (TypeError, ValueError, ZeroDivisionError, sympy.SympifyError):
        return None, None
    if root is None:
        return None, None
    with np.errstate(all="ignore"):
        value = float(compile_expr(root)(env)) / problem.target.unit.factor
    if not math.isfinite(value) or abs(value - answer) > 1e-9 * max(1.0, abs(answer)):
        return None, None
    symbols = {s: sympy.Symbol(problem.graph[s.name].symbol) for s in root.free_symbols
               if s.name in problem.graph}
    return str(root), sympy.latex(root.xreplace(symbols), mul_symbol="dot")


_PROBLEMS: dict = {}


def _problem(scenario, name: str) -> _Problem:
    key = (id(scenario), name)
    entry = _PROBLEMS.get(key)
    if entry is None or entry[0] is not scenario:
        entry = (scenario, _Problem(scenario, scenario.graph[name].solve))
        if len(_PROBLEMS) > 256:
            _PROBLEMS.clear()
        _PROBLEMS[key] = entry
    problem = entry[1]
    problem.evaluations = problem.points = 0
    return problem


def solve_node(scenario, name: str, env: dict):
    """The value of the solve node ``name`` (base units): scalar, or one per grid point (NaN: no answer)."""
    problem = _problem(scenario, name)
    arrays = [v for v in env.values() if np.ndim(v) > 0]
    if not arrays:
        try:
            return solve_problem(problem, env).value
        except NoSolutionError:
            return math.nan
    from .solve_grid import solve_grid  # vectorised path for sweeps
    return solve_grid(problem, env)


def solve_details(model, name: str) -> SolveResult:
    """The scalar solve behind the solve node ``name`` of ``model``, with its working."""
    problem = _problem(model.scenario, name)
    env = {n: v for n, v in model.raw.items() if n != name}
    return solve_problem(problem, env)


def solve_command(model, for_name: str, wheres: list[str], integer: bool = False) -> SolveResult:
    """``calcgraph solve --for NAME --where ...``: solve against the model's values."""
    graph = model.graph
    if for_name not in graph:
        raise UnknownNameError(f"unknown quantity {for_name!r}", where=f"--for {for_name}",
                               hint=suggest(for_name, graph.quantities))
    quantity = graph[for_name]
    if not quantity.is_input:
        inputs = ", ".join(graph.inputs_of(for_name)[:8])
        raise SolveError(f"{for_name!r} is computed (formula at {quantity.formula_where or quantity.where}), "
                         "not an input", where=f"--for {for_name}",
                         hint=f"solve for one of the inputs it depends on: {inputs}")
    constraints = tuple(parse_constraint(text, graph.quantities, where=f"--where {text}") for text in wheres)
    spec = SolveSpec(for_name=for_name, constraints=constraints, integer=integer, bounds=None,
                     where=f"--for {for_name}")
    problem = _Problem(model.scenario, spec)
    env = dict(model.raw)
    return solve_problem(problem, env)
