"""One solve, compiled: the constraints over the part of the graph the unknown moves, and the search steps."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from calcgraph.core.bind import Scenario
from calcgraph.core.constraints import SolveSpec, constant_values
from calcgraph.core.evaluate import compile_node
from calcgraph.core.formula.arrays import feasible, slacks
from calcgraph.core.formula.floats import HOLD, MONOTONE
from calcgraph.core.numbers import format_number
from calcgraph.core.units import shown_parts
from calcgraph.errors import SolveError

SCAN_POINTS = 33
INTEGER_BOUNDS = (1.0, 1e12)

class Problem:
    """The constraints of one solve, compiled over the part of the graph that depends on the unknown."""

    def __init__(self, scenario: Scenario, spec: SolveSpec, node_solve: Callable[[str, dict], object]):
        self.scenario, self.spec, self.graph = scenario, spec, scenario.graph
        self.node_solve = node_solve  # (solve node name, environment) -> its value
        self.target = self.graph[spec.for_name]
        downstream = self.graph.downstream(spec.for_name)
        self.plan = solve_plan(self.graph, spec, scenario.bound)
        if not (_depends(spec, downstream) or _depends(spec, _through_pins(self.graph, spec))):
            inputs = sorted({i for c in spec.constraints for n in c.names for i in self.graph.inputs_of(n)})
            raise SolveError(f"the constraints do not depend on {spec.for_name!r}", where=spec.where,
                             hint="solve for an input the constrained quantities use: "
                                  + (", ".join(inputs) or "(none: the constraints use only inputs)"))
        self.sides = [(compile_node(c.comparison.lhs.node), compile_node(c.comparison.rhs.node))
                      for c in spec.constraints]
        self.ops = tuple(c.op for c in spec.constraints)
        self.constants = {k: v for c in spec.constraints for k, v in constant_values(c).items()}
        self.evaluations = self.points = 0

    def sides_at(self, env: dict, x) -> list[tuple]:
        """(lhs, rhs) of each constraint with the unknown at ``x`` (base units; arrays welcome)."""
        self.evaluations += 1
        self.points += int(np.size(x))
        local = {**env, **self.constants, self.spec.for_name: x}
        with np.errstate(all="ignore"):
            for name in self.plan:
                solved = self.graph[name].solve is not None
                local[name] = self.node_solve(name, local) if solved else self.graph.function(name)(local)
            return [(np.asarray(lhs(local), float), np.asarray(rhs(local), float)) for lhs, rhs in self.sides]

    def slacks_at(self, env: dict, x) -> list:
        """Relative slack of each constraint at ``x``, shifted so that >= 0 holds (``arrays.slacks``)."""
        return slacks(self.ops, self.sides_at(env, x))

    def holds_at(self, env: dict, x) -> np.ndarray:
        """Whether every constraint holds with the unknown at ``x`` (base units)."""
        return feasible(self.ops, self.slacks_at(env, x))


def solve_plan(graph, spec: SolveSpec, bound) -> list[str]:
    """The names a solve re-evaluates for each trial value of its unknown (``bound`` ones stay fixed)."""
    needed = graph.needed(n for c in spec.constraints for n in c.names)
    downstream = graph.downstream(spec.for_name)
    return [n for n in graph.order if n in needed and n in downstream and n not in bound]


def _depends(spec: SolveSpec, downstream) -> bool:
    return any(spec.for_name == n or n in downstream for c in spec.constraints for n in c.names)


def _through_pins(graph, spec: SolveSpec) -> set:
    """What depends on the unknown counting the formulas pins cut (a pinned solve has no answer, no error)."""
    import networkx as nx  # only when the constraints do not move: a rare question
    full = nx.DiGraph(graph.dag)
    full.add_edges_from(graph.cut)
    return nx.descendants(full, spec.for_name)


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
        points = np.clip(np.round(points), math.ceil(low), math.floor(high))  # ascending, so repeats are adjacent
        points = points[np.concatenate(([True], points[1:] != points[:-1]))]  # np.unique would import numpy.ma
    return points


def turns(row: np.ndarray) -> np.ndarray:
    """Per column of ``row`` (scan points x grid points): the finite values step both up and down."""
    finite = np.isfinite(row)
    index = np.where(finite, np.arange(len(row))[:, None], -1)
    np.maximum.accumulate(index, axis=0, out=index)  # the last finite value so far ...
    index = np.where(index < 0, np.argmax(finite, axis=0), index)  # ... or the first one, before it
    filled = np.take_along_axis(row, index, axis=0)
    with np.errstate(invalid="ignore"):
        top = np.max(np.where(finite, np.abs(row), 0.0), axis=0, initial=0.0)
        tolerance = np.where(finite.any(axis=0), MONOTONE * np.maximum(1.0, top), 0.0)
        steps = np.diff(filled, axis=0)
        return (steps > tolerance).any(axis=0) & (steps < -tolerance).any(axis=0)


def scan(problem: Problem, env: dict, points: np.ndarray, grid: bool) -> tuple:
    """The first scan of every solve at ``points`` (declared units; one evaluation for a scalar ``env``, one per
    point over a ``grid``): (columns' shape, each constraint's slacks as points x columns, ok: all hold, runs: stretches
    that hold, turning: per constraint, good, bad: the bracket's indices, the last that holds and the next, or where
    only large values hold the first that holds and the one before)."""
    factor = problem.target.unit.factor
    if grid:
        scanned = [problem.slacks_at(env, x * factor) for x in points]
        shape = np.broadcast_shapes(*(np.shape(v) for slacks in scanned for v in slacks))
        rows = [np.stack([np.broadcast_to(slacks[c], shape).reshape(-1) for slacks in scanned])
                for c in range(len(problem.ops))]
    else:
        shape, rows = (), [np.broadcast_to(s, points.shape)[:, None] for s in problem.slacks_at(env, points * factor)]
    ok = feasible(problem.ops, rows)
    count = len(points)
    first, last = np.argmax(ok, axis=0), count - 1 - np.argmax(ok[::-1], axis=0)
    largest = (first == 0) | (last < count - 1)
    return (shape, rows, ok, ok[0].astype(int) + np.count_nonzero(ok[1:] & ~ok[:-1], axis=0),
            [turns(row) for row in rows], np.where(largest, last, first),
            np.where(largest, np.minimum(last + 1, count - 1), np.maximum(first - 1, 0)))


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
        slacks = problem.slacks_at(env, guess * factor)
        g = float(np.nanmin(slacks)) if np.any(np.isfinite(slacks)) else -np.inf
        if feasible(problem.ops, slacks):
            good, g_good = guess, g
        else:
            bad, g_bad = guess, g
        width = abs(bad - good)
        use_bisection = width > last_width / 2
        last_width = width
    return good, bad


TINY = float(np.finfo(float).tiny)  # the smallest positive normal float: "next to zero"


def midpoint(good, bad, integer: bool = False):
    """Where to split [good, bad] (arrays welcome): geometric over wide same-sign brackets (halving the
    decades), 0 across zero, else halfway.

    >>> [float(m) for m in midpoint(np.array([1e-200, -5.0, 0.0, 40.0]), np.array([1e200, 5.0, 1e300, 48.0]))]
    [1.0, 0.0, 0.00014916681462400413, 44.0]
    """
    good, bad = np.asarray(good, float), np.asarray(bad, float)
    floor = 1.0 if integer else TINY  # whole numbers: the geometric mean with 1, never a fraction
    small = np.maximum(np.minimum(np.abs(good), np.abs(bad)), floor)
    large = np.maximum(np.abs(good), np.abs(bad))
    sign = np.where(np.abs(bad) > np.abs(good), np.sign(bad), np.sign(good))
    with np.errstate(all="ignore"):
        geometric = sign * np.sqrt(small) * np.sqrt(large)
        wide = (np.sign(good) * np.sign(bad) >= 0) & (large > 4 * small)
        middle = np.where(np.sign(good) * np.sign(bad) < 0, 0.0, np.where(wide, geometric, good / 2 + bad / 2))
    if integer:
        middle = np.where(bad > good, np.floor(middle), np.ceil(middle))
    return middle


def narrow(problem: Problem, env: dict, good: float, bad: float, factor: float) -> tuple[float, float]:
    """Shrink [good (holds), bad (fails)] to one sign and a ratio of at most 2, scanning geometrically,
    so that brentq's tolerance is in the answer's own scale."""
    for _ in range(64):
        if good * bad < 0:  # across zero: which side of 0 the boundary is on
            good, bad = (0.0, bad) if problem.holds_at(env, 0.0) else (good, 0.0)
            continue
        if good == 0 or bad == 0:  # next to zero: step to the smallest normal float on the other's side
            other = bad if good == 0 else good
            if abs(other) <= TINY:
                break
            edge = math.copysign(TINY, other)
            if bool(problem.holds_at(env, edge * factor)) == (good == 0):
                good, bad = (edge, bad) if good == 0 else (good, edge)
                continue
            good, bad = (good, edge) if good == 0 else (edge, bad)
            break
        if max(abs(good), abs(bad)) <= 2 * min(abs(good), abs(bad)):
            break
        points = math.copysign(1.0, good) * np.geomspace(abs(good), abs(bad), SCAN_POINTS)
        ok = np.asarray(problem.holds_at(env, points * factor), bool)
        failing = np.flatnonzero(~ok)
        if failing.size == 0 or failing[0] == 0:
            break
        good, bad = float(points[failing[0] - 1]), float(points[failing[0]])
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
        slacks = problem.slacks_at(env, x * factor)
        return float(np.nanmin(slacks)) - HOLD

    good, bad = narrow(problem, env, good, bad, factor)
    if good == bad or not np.isfinite(g(good)) or not np.isfinite(g(bad)) or g(good) * g(bad) > 0:
        return good, bad
    scale = min(abs(good), abs(bad)) or max(abs(good), abs(bad))
    root, _ = brentq(g, good, bad, xtol=max(TINY, 1e-15 * scale), rtol=4 * np.finfo(float).eps, full_output=True)
    inward = root
    for _ in range(60):
        if problem.holds_at(env, inward * factor):
            break
        inward = inward + (good - root) * 1e-9 if inward == root else inward + (inward - root)
    else:
        inward = good
    return inward, bad
