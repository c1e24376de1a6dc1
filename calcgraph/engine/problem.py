"""One solve, compiled: the constraints over the part of the graph the unknown moves, and the search steps.

A Problem evaluates both sides of every constraint for any value of the
unknown (scalars or arrays), gives each constraint's relative slack, and
holds the pieces of the search: the bracket, the log-spaced scan, the
monotonicity check, and the integer and continuous refinements.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import networkx as nx
import numpy as np

from ..core.bind import Scenario
from ..core.constraints import HOLD, SolveSpec, constant_values
from ..core.evaluate import compile_expr
from ..core.numbers import format_number
from ..core.units import shown_parts
from ..errors import NoSolutionError, SolveError

SCAN_POINTS = 33
INTEGER_BOUNDS = (1.0, 1e12)

NodeSolve = Callable[[str, dict], object]  # (solve node name, environment) -> its value


class Problem:
    """The constraints of one solve, compiled over the part of the graph that depends on the unknown."""

    def __init__(self, scenario: Scenario, spec: SolveSpec, node_solve: NodeSolve | None = None):
        self.scenario, self.spec, self.graph = scenario, spec, scenario.graph
        self.node_solve = node_solve
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
                                  + ", ".join(inputs_of(self.graph, spec)))
        self.sides = [(compile_expr(c.comparison.lhs.expr), compile_expr(c.comparison.rhs.expr))
                      for c in spec.constraints]
        self.constants = {k: v for c in spec.constraints for k, v in constant_values(c).items()}
        self.evaluations = 0
        self.points = 0
        self.guess = None  # set by the closed-form layer: env -> first guess (base units), or None

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
                    if self.node_solve is None:
                        raise SolveError(f"{name!r} is itself solved; this solve needs a node solver",
                                         where=self.spec.where)
                    local[name] = self.node_solve(name, local)
                else:
                    local[name] = compile_expr(quantity.formula.expr)(local)
            return [(np.asarray(lhs(local), float), np.asarray(rhs(local), float)) for lhs, rhs in self.sides]

    def slacks(self, sides) -> list:
        """Relative slack of each constraint, shifted so that >= 0 holds (see Constraint.holds)."""
        out = []
        for c, (lhs, rhs) in zip(self.spec.constraints, sides, strict=True):
            s = c.relative_slack(lhs, rhs)
            out.append(s + HOLD if c.op in ("<=", ">=") else s)
        return out

    def feasible(self, slacks) -> np.ndarray:
        """Every constraint holds (strict ones with a positive slack)."""
        ok = True
        for c, s in zip(self.spec.constraints, slacks, strict=True):
            ok = ok & ((s > 0) if c.op in ("<", ">") else (s >= 0))
        return np.asarray(ok & np.all([np.isfinite(s) for s in slacks], axis=0))

    def holds_at(self, env: dict, x) -> np.ndarray:
        """Whether every constraint holds with the unknown at ``x`` (base units)."""
        return self.feasible(self.slacks(self.sides_at(env, x)))


def inputs_of(graph, spec: SolveSpec) -> list[str]:
    """The inputs the constrained quantities depend on (what could be solved for instead)."""
    names = set()
    for c in spec.constraints:
        for n in c.names:
            names |= set(graph.inputs_of(n))
    return sorted(names) or ["(none: the constraints use only inputs)"]


def bounds(problem: Problem, env: dict) -> tuple[float, float]:
    """The bracket in declared units of the unknown."""
    factor = problem.target.unit.factor
    if problem.spec.bounds is not None:
        return problem.spec.bounds[0] / factor, problem.spec.bounds[1] / factor
    if problem.spec.integer:
        return INTEGER_BOUNDS
    current = abs(float(np.max(env.get(problem.spec.for_name, 1.0)))) / factor or 1.0
    return current * 1e-9, current * 1e9


def scan_points(low: float, high: float, integer: bool) -> np.ndarray:
    """The log-spaced points of the first scan of [low, high] (whole numbers for integers)."""
    if low > 0:
        points = np.geomspace(low, high, SCAN_POINTS)
    else:
        points = np.concatenate([[low], low + np.geomspace((high - low) * 1e-9, high - low, SCAN_POINTS - 1)])
    if integer:
        points = np.unique(np.clip(np.round(points), math.ceil(low), math.floor(high)))
    return points


def check_monotone(problem: Problem, slacks, points, name: str) -> None:
    """NoSolutionError unless each constraint's slack moves one way over the scan."""
    for c, s in zip(problem.spec.constraints, slacks, strict=True):
        finite = s[np.isfinite(s)]
        steps = np.diff(finite)
        tolerance = 1e-9 * max(1.0, float(np.max(np.abs(finite)))) if finite.size else 0
        if np.any(steps > tolerance) and np.any(steps < -tolerance):
            raise NoSolutionError(
                f"the constraint {c.text!r} is not monotone in {name} over "
                f"[{format_number(points[0])}, {format_number(points[-1])}]: it holds and fails more than once",
                where=problem.spec.where, hint="narrow the bounds to one side of the turn, or solve another input")


def side_text(constraint, value: float) -> str:
    """A base value of the constraint's dimension in a human unit: ``114.2 GB``."""
    if constraint.unit is None:
        return format_number(value)
    number, unit = shown_parts(value, constraint.unit)
    return f"{number} {unit}".rstrip()


def _side(c, text: str, side, value) -> str:
    """One side and its value; a side that is only a constant is shown as written ("1 ms", not "1 ms = 1 ms")."""
    constants = {n for n, _, _ in c.constants}
    if set(side.names) <= constants:
        return text
    return f"{text} = {side_text(c, float(value))}"


def describe_failure(problem: Problem, env: dict, x: float, name: str) -> str:
    """Both sides of every constraint at ``x``, as the user wrote them, with their values."""
    sides = problem.sides_at(env, x)
    parts = [f"{_side(c, c.left, c.comparison.lhs, lhs)} is not {c.op} {_side(c, c.right, c.comparison.rhs, rhs)}"
             for c, (lhs, rhs) in zip(problem.spec.constraints, sides, strict=True)]
    return f"at {name} = {format_number(x / problem.target.unit.factor)}: " + "; ".join(parts)


def refine_integer(problem: Problem, env: dict, good: int, bad: int, g_good: float, g_bad: float,
                   factor: float) -> tuple[int, int]:
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


def refine_continuous(problem: Problem, env: dict, good: float, bad: float, factor: float) -> tuple[float, float]:
    """The boundary between ``good`` (holds) and ``bad`` (fails) by scipy's brentq, moved inside."""
    try:
        from scipy.optimize import brentq  # optional: only continuous solves need it
    except ImportError:
        raise SolveError(f"solving for the continuous {problem.spec.for_name!r} needs scipy",
                         where=problem.spec.where,
                         hint="pip install 'calcgraph[solve]' (or scipy), or solve for a whole number") from None

    def g(x):
        slacks = problem.slacks(problem.sides_at(env, x * factor))
        return float(np.nanmin(slacks)) - HOLD

    root, _ = brentq(g, good, bad, xtol=1e-12 * max(abs(good), abs(bad)), rtol=1e-12, full_output=True)
    inward = root
    for _ in range(60):
        if problem.holds_at(env, inward * factor):
            break
        inward = inward + (good - root) * 1e-9 if inward == root else inward + (inward - root)
    return inward, bad
