"""Solve nodes over numpy grids: one answer per point, by the specification of the scalar solve.

Every point gets the scan of ``engine.solve.scalar`` (the same log-spaced points of the
same bracket, all points at once): no answer (NaN) where no scanned value
holds, where every one holds, where they hold on separate stretches or a
constraint is not monotone; elsewhere the bracket between the last value that
holds and the next (or the first and the one before, when only large values
hold), as the scalar solve takes it. Within it, for an integer unknown, a first
guess from the constraints' slack at two whole values (no sympy), verified (it
holds, the next whole value fails); the points left, and continuous unknowns,
by a vectorised bisection of their brackets (no closed form, so no sympy).
"""

from __future__ import annotations

import math

import numpy as np

from calcgraph.core.formula.arrays import integer_guess, settle_integer
from calcgraph.core.formula.floats import MONOTONE
from calcgraph.engine.solve.problem import TINY, Problem, bounds, midpoint, scan_points
from calcgraph.engine.solve.scalar import solve_problem
from calcgraph.errors import NoSolutionError

BISECTION_LIMIT = 200


def _shape(env: dict) -> tuple:
    return np.broadcast_shapes(*(np.shape(v) for v in env.values() if np.ndim(v) > 0))


def _flatten(env: dict, shape: tuple) -> dict:
    flat = dict(env)
    for key, value in env.items():
        if np.ndim(value) > 0:
            flat[key] = np.broadcast_to(value, shape).reshape(-1)
    return flat


def _subset(env: dict, shape: tuple, mask: np.ndarray) -> dict:
    """The points of ``mask`` (grid-shaped) of every array in ``env``, as flat arrays."""
    return {k: (np.broadcast_to(v, shape)[mask] if np.ndim(v) > 0 else v) for k, v in env.items()}


def _feasible(problem: Problem, env: dict, x) -> np.ndarray:
    return problem.holds_at(env, x)


def _integer_first(problem: Problem, env: dict, low: float, high: float, factor: float) -> np.ndarray:
    """An integer solve's answers from a guess off its constraints' slack at two whole values, verified
    (``arrays.settle_integer``), in the shape the constraints take; NaN where none verifies."""
    def sides(x):
        return problem.sides_at(env, x)
    return settle_integer(problem.ops, sides, integer_guess(problem.ops, sides, low, factor), low, high, factor)


def _scan(problem: Problem, env: dict, low: float, high: float, integer: bool):
    """Where the scan of ``engine.solve.scalar`` finds an answer, and its bracket (valid, good, bad), in the shape
    the constraints take (a solve that reads one axis of the grid is scanned along that axis only).

    The rules of ``solve_problem``: some scanned value holds and not all, on one stretch, every
    constraint's slack moving one way (``check_monotone``: steps beyond 1e-9 of its largest size).
    """
    factor = problem.target.unit.factor
    points = scan_points(low, high, integer)
    scanned = [problem.slacks(problem.sides_at(env, x * factor)) for x in points]
    shape = np.broadcast_shapes(*(np.shape(v) for slacks in scanned for v in slacks))
    rows = [np.stack([np.broadcast_to(slacks[c], shape).reshape(-1) for slacks in scanned])
            for c in range(len(problem.spec.constraints))]
    ok = np.stack([np.broadcast_to(problem.feasible([row[k] for row in rows]), rows[0][k].shape)
                   for k in range(len(points))])
    runs = ok[0].astype(int) + np.count_nonzero(ok[1:] & ~ok[:-1], axis=0)
    valid = (runs == 1) & ~ok.all(axis=0)
    for row in rows:
        valid &= ~_turns(row)
    count = len(points)
    first = np.argmax(ok, axis=0)
    last = count - 1 - np.argmax(ok[::-1], axis=0)
    largest = (first == 0) | (last < count - 1)
    good = np.where(largest, points[last], points[first])
    bad = np.where(largest, points[np.minimum(last + 1, count - 1)], points[np.maximum(first - 1, 0)])
    return valid.reshape(shape), good.reshape(shape), bad.reshape(shape)


def _turns(row: np.ndarray) -> np.ndarray:
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


def _bisect(problem, env, good, bad, integer: bool) -> np.ndarray:
    """Vectorised bisection of each point's bracket [good holds, bad fails] (declared units)."""
    factor = problem.target.unit.factor
    good, bad = np.array(good, float), np.array(bad, float)
    active = np.ones(len(good), bool)
    for _ in range(BISECTION_LIMIT):
        width = np.abs(bad - good)
        scale = np.maximum(np.abs(good), np.abs(bad))
        active &= width > (1 if integer else np.maximum(1e-13 * scale, TINY))
        if not active.any():
            break
        middle = midpoint(good, bad, integer)
        ok = _feasible(problem, env, middle * factor)
        good = np.where(active & ok, middle, good)
        bad = np.where(active & ~ok, middle, bad)
    return good


def _pointwise(problem, env: dict, size: int) -> np.ndarray:
    """One scalar solve per point: for equations, whose feasible set is a single value."""
    result = np.full(size, math.nan)
    for i in range(size):
        point = {k: (float(v[i]) if np.ndim(v) > 0 else v) for k, v in env.items()}
        try:
            result[i] = solve_problem(problem, point, describe=False).value
        except NoSolutionError:
            pass
    return result


def solve_grid(problem: Problem, env: dict) -> np.ndarray:
    """One answer per grid point (base units of the unknown), NaN where none exists.

    The inputs keep their broadcasting shapes (a block's axes are (rows, 1) and (1, columns)): only the
    points the first guess leaves open are gathered flat, for the bisection.
    """
    shape = _shape(env)
    size = math.prod(shape)
    if any(c.op == "==" for c in problem.spec.constraints):
        return _pointwise(problem, _flatten(env, shape), size).reshape(shape)
    low, high = bounds(problem, env)
    factor = problem.target.unit.factor
    integer = problem.spec.integer
    valid, good, bad = (np.broadcast_to(a, shape) for a in _scan(problem, env, low, high, integer))
    lower, upper = np.minimum(good, bad), np.maximum(good, bad)
    result = np.full(shape, math.nan)
    if integer:
        settled = np.broadcast_to(_integer_first(problem, env, low, high, factor), shape)
        inside = valid & (good <= bad) & (settled >= lower) & (settled < upper)  # the largest, in its bracket
        np.copyto(result, settled, where=inside)
    todo = valid & np.isnan(result)
    if todo.any():
        result[todo] = _bisect(problem, _subset(env, shape, todo), good[todo], bad[todo], integer)
    result *= factor
    return result
