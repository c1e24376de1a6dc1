"""Solve nodes over numpy grids: one answer per point, verified point by point.

A first guess for every point at once: for an integer unknown, from the
constraints' slack at two whole values (exact where they are linear in it; no
sympy), checked at every point (it holds, the next whole value fails, or so
for a neighbour); otherwise the closed form, when the constraints are linear
in the unknown, checked to hold. The points left are found by a vectorised
bisection over the bracket. Points without an answer are NaN.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.arraynumeric import integer_guess, settle_integer
from ..core.evaluate import snap
from ..errors import NoSolutionError
from .problem import TINY, Problem, bounds, midpoint
from .solve import solve_problem

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


def _guess(problem: Problem, env: dict, shape: tuple):
    function = problem.guess
    if function is None:
        return None
    with np.errstate(all="ignore"):
        guess = np.broadcast_to(np.asarray(function(env), float) / problem.target.unit.factor, shape)
    return np.array(guess)


def _integer_first(problem: Problem, env: dict, low: float, high: float, factor: float) -> np.ndarray:
    """An integer solve's answers from a guess off its constraints' slack at two whole values, verified
    (``arraynumeric.settle_integer``), in the shape the constraints take; NaN where none verifies."""
    def sides(x):
        return problem.sides_at(env, x)
    return settle_integer(problem.ops, sides, integer_guess(problem.ops, sides, low, factor), low, high, factor)


def _bisect(problem, env, low: float, high: float, integer: bool) -> np.ndarray:
    """Vectorised bisection on every point of ``env``: the largest (or smallest) feasible value."""
    factor = problem.target.unit.factor
    size = len(next((v for v in env.values() if np.ndim(v) > 0), [0]))
    at_low = _feasible(problem, env, np.full(size, low * factor))
    at_high = _feasible(problem, env, np.full(size, high * factor))
    largest = at_low & ~at_high
    smallest = ~at_low & at_high
    good = np.where(largest, low, high).astype(float)
    bad = np.where(largest, high, low).astype(float)
    active = largest | smallest
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
    return np.where(largest | smallest, good, math.nan)


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
    result = np.full(shape, math.nan)
    todo = np.ones(shape, bool)
    if integer:
        settled = _integer_first(problem, env, low, high, factor)
        np.copyto(result, settled)
        todo = np.isnan(result)
    elif (guess := _guess(problem, env, shape)) is not None:
        guess = snap(guess)
        inside = np.isfinite(guess) & (guess >= low) & (guess < high)
        candidate = np.where(inside, guess, low)
        verified = inside & _feasible(problem, env, candidate * factor)
        np.copyto(result, candidate, where=verified)
        todo = ~verified
    if todo.any():
        result[todo] = _bisect(problem, _subset(env, shape, todo), low, high, integer)
    result *= factor
    return result
