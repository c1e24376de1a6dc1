"""Solve nodes over numpy grids: one answer per point (NaN: none), by the scan of the scalar solve; then a
verified integer guess, else a vectorised bisection of each point's bracket (no sympy)."""

from __future__ import annotations

import math
from contextlib import suppress
from functools import partial

import numpy as np

from calcgraph.core.formula.arrays import integer_guess, settle_integer
from calcgraph.engine.solve.problem import TINY, Problem, bounds, midpoint, scan, scan_points
from calcgraph.engine.solve.scalar import solve_problem
from calcgraph.errors import NoSolutionError

BISECTION_LIMIT = 200


def _subset(env: dict, shape: tuple, mask: np.ndarray) -> dict:
    """The points of ``mask`` (grid-shaped) of every array in ``env``, as flat arrays."""
    return {k: (np.broadcast_to(v, shape)[mask] if np.ndim(v) > 0 else v) for k, v in env.items()}


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
        ok = problem.holds_at(env, middle * factor)
        good = np.where(active & ok, middle, good)
        bad = np.where(active & ~ok, middle, bad)
    return good


def solve_grid(problem: Problem, env: dict) -> np.ndarray:
    """One answer per grid point (base units of the unknown), NaN where none exists; the inputs keep their
    broadcasting shapes, only the points the first guess leaves open are gathered flat for the bisection."""
    shape = np.broadcast_shapes(*(np.shape(v) for v in env.values() if np.ndim(v) > 0))
    if any(c.op == "==" for c in problem.spec.constraints):  # one scalar solve per point: a single value holds
        flat, result = _subset(env, shape, np.ones(shape, bool)), np.full(math.prod(shape), math.nan)
        for i in range(result.size):
            with suppress(NoSolutionError):
                point = {k: (float(v[i]) if np.ndim(v) > 0 else v) for k, v in flat.items()}
                result[i] = solve_problem(problem, point, describe=False).value
        return result.reshape(shape)
    low, high = bounds(problem, env)
    factor = problem.target.unit.factor
    integer = problem.spec.integer
    points = scan_points(low, high, integer)
    columns, _, ok, runs, turning, good, bad = scan(problem, env, points, grid=True)
    valid = (runs == 1) & ~ok.all(axis=0) & ~np.any(turning, axis=0)  # one stretch holds, not all, none turns
    valid, good, bad = (np.broadcast_to(a.reshape(columns), shape) for a in (valid, points[good], points[bad]))
    result = np.full(shape, math.nan)
    if integer:
        sides = partial(problem.sides_at, env)
        guess = integer_guess(problem.ops, sides, low, factor)
        settled = np.broadcast_to(settle_integer(problem.ops, sides, guess, low, high, factor), shape)
        inside = valid & (good <= bad) & (settled >= good) & (settled < bad)  # the largest, in its bracket
        np.copyto(result, settled, where=inside)
    todo = valid & np.isnan(result)
    if todo.any():
        result[todo] = _bisect(problem, _subset(env, shape, todo), good[todo], bad[todo], integer)
    return result * factor
