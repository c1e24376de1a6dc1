"""numpy helpers of evaluation, grids and solves (no sympy, pint or networkx): rounding and feasibility rules,
grid blocks, and ``solve_grid``'s integer guess, verified (it holds, the next whole value fails)."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from functools import partial

import numpy as np

from calcgraph.core.formula.floats import HOLD, SNAP, slack, slack_steps  # the rules every backend shares

CHUNK = 2 ** 16  # points in one grid block (2^17 left a sweep's writer thread idle longer at start and end)


def snap(x):
    """Values within a relative 2**-45 of a nonzero integer (binary noise of decimal inputs), made that integer."""
    nearest = np.round(x)
    if np.ndim(nearest) == 0:
        return np.where(np.abs(x - nearest) <= SNAP * np.abs(x), nearest, x)
    # The same rule with fewer temporaries: keep x where it is farther (NaN and infinities compare false,
    # and their rounding is themselves).
    distance = np.subtract(x, nearest)
    np.abs(distance, out=distance)
    reach = np.abs(x)
    reach *= SNAP
    np.copyto(nearest, x, where=distance > reach)
    return nearest


def ceil_to(x, *allowed):
    """The smallest of ``allowed`` at or above ``x`` (snapped), NaN above them all."""
    x = snap(np.asarray(x, dtype=float))
    result = np.full(x.shape, np.nan)
    for value in sorted(allowed, reverse=True):
        result = np.where(x <= value, value, result)
    return result if result.shape else result[()]


def relative_slack(op: str, lhs, rhs):
    """The slack of ``lhs OP rhs`` over the larger side, NaN (with no mask) where a side is not finite."""
    lhs, rhs = np.asarray(lhs, float), np.asarray(rhs, float)
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(lhs), np.abs(rhs))
        if scale.ndim == 0:
            return np.asarray(slack(op, lhs, rhs) / max(scale, 1e-300))
        np.maximum(scale, 1e-300, out=scale)  # the same operations, without the temporaries
        relative = slack(op, lhs, rhs)  # the broadcast shape of the sides, as the scale's
        np.divide(relative, scale, out=relative)
        return relative


def holds(op: str, lhs, rhs):
    """Whether ``lhs OP rhs`` holds, forgiving a relative HOLD of rounding for <= and >= (arrays welcome).

    >>> [bool(holds("<=", a, 1.0)) for a in (1.0, 1.0 + 1e-15, 1.1, math.nan)]
    [True, True, False, False]
    """
    return feasible((op,), slacks((op,), ((lhs, rhs),)))


def slacks(ops, sides) -> list:
    """Relative slack of each constraint, shifted so that >= 0 holds (the rule of ``Problem.slacks``)."""
    relative = [relative_slack(op, lhs, rhs) for op, (lhs, rhs) in zip(ops, sides, strict=True)]
    return [s + HOLD if op in ("<=", ">=") else s for op, s in zip(ops, relative, strict=True)]


def feasible(ops, slack_values) -> np.ndarray:
    """Every constraint holds (strict ones with a positive slack, every slack finite): ``Problem.feasible``."""
    ok = True
    for op, s in zip(ops, slack_values, strict=True):
        ok = ok & ((s > 0) if op in ("<", ">") else (s >= 0)) & (s < math.inf)
    return np.asarray(ok)


def failed_count(ops, sides):
    """How many checks fail at each point (a check with a side not finite, a NaN relative slack, does not)."""
    return sum((~feasible((op,), (s,)) & ~np.isnan(s)).astype(int)
               for op, s in zip(ops, slacks(ops, sides), strict=True))


def layout(shape: tuple[int, ...], chunk: int) -> tuple[int, int]:
    """The axis to split grid blocks along, and how many of its values go in one block.

    >>> layout((10, 1000), 4096)
    (0, 4)
    """
    for k in range(len(shape)):
        inner = math.prod(shape[k + 1:])
        if inner <= chunk:
            return k, max(1, chunk // max(inner, 1))
    return len(shape) - 1, 1


def block_overrides(axes, chunk: int):
    """``(block shape, [axis values as broadcasting views])`` for consecutive blocks of the grid of ``axes``
    (arrays in base units), first axis slowest: the blocks ``engine.grid.iter_blocks`` evaluates."""
    shape = tuple(len(a) for a in axes)
    if not shape or 0 in shape:
        return
    k, rows = layout(shape, chunk)
    for outer in np.ndindex(*shape[:k]):
        for first in range(0, shape[k], rows):
            last = min(shape[k], first + rows)
            block = (last - first,) + shape[k + 1:]
            parts = (values[outer[j]:outer[j] + 1] if j < k else values[first:last] if j == k else values
                     for j, values in enumerate(axes))  # an outer axis one value, the split one a slice
            yield block, [part.reshape([-1 if i == j - k else 1 for i in range(len(block))])
                          for j, part in enumerate(parts)]


def exact_range(start: float, stop: float, step: float, count: int) -> np.ndarray:
    """``start + i * step`` for i < count, each the float nearest the exact decimal (scaled to integers,
    summed exactly, divided once: ``0:1:0.1`` gives exactly ``float("0.3")``, where ``0.1 * 3`` would not).

    >>> bool(exact_range(0.0, 1.0, 0.1, 11)[3] == 0.3)
    True
    """
    try:
        decimals = [Decimal(repr(v)) for v in (start, step)]
        places = max(0, *(-d.as_tuple().exponent for d in decimals))
    except (InvalidOperation, TypeError):
        places = 99
    if places <= 15:
        scale = 10 ** places
        first, stride = (int(d * scale) for d in decimals)
        if max(abs(first), abs(first + stride * (count - 1))) < 2 ** 53:
            return (first + stride * np.arange(count, dtype=float)) / scale  # x / 1 is x exactly
    values = start + step * np.arange(count, dtype=float)
    if count and abs(values[-1] - stop) <= 1e-9 * abs(step):
        values[-1] = stop
    return values


def integer_guess(ops: tuple, sides, low: float, factor: float):
    """``floats.integer_guess`` on arrays: ``sides(x)`` gives (lhs, rhs) pairs that broadcast.

    >>> integer_guess(("<=",), lambda x: ((x, np.array([10.5, 21.0])),), 1.0, 1.0).tolist()
    [10.5, 21.0]
    """
    guess = np.inf
    with np.errstate(all="ignore"):
        for g0, g1 in slack_steps(ops, partial(_sides, sides), low, factor):
            guess = np.minimum(guess, np.where(g1 < g0, low + g0 / (g0 - g1), np.inf))
    return np.asarray(guess, float)


def settle_integer(ops: tuple, sides, guess, low: float, high: float, factor: float) -> np.ndarray:
    """Each point's largest whole x in [low, high) (declared units) that holds while x + 1 fails, taken from
    ``guess`` or a neighbour of it; NaN where none of them is. The shape is what the sides give (broadcast).

    >>> def sides(x):
    ...     return ((x, np.array([10.5, 21.0, 0.5])),)
    >>> settle_integer(("<=",), sides, np.array([10.5, 22.2, 0.5]), 1.0, 1e12, 1.0).tolist()
    [10.0, 21.0, nan]
    """
    with np.errstate(all="ignore"):
        candidate = np.floor(snap(np.asarray(guess, float)))

        def holds_at(x):
            return feasible(ops, slacks(ops, _sides(sides, x * factor)))

        def within(x):
            return (x >= low) & (x < high)
        here, above = holds_at(candidate), holds_at(candidate + 1.0)
        answer = np.where(here & ~above & within(candidate), candidate, np.nan)
        up = above & within(candidate + 1.0)  # the guess a rounding too low
        if up.any():
            answer = np.where(up & ~holds_at(candidate + 2.0), candidate + 1.0, answer)
        down = ~here & within(candidate - 1.0)  # a rounding too high
        if down.any():
            answer = np.where(down & holds_at(candidate - 1.0), candidate - 1.0, answer)
    return answer


def _sides(sides, x) -> list:
    return [(np.asarray(lhs, float), np.asarray(rhs, float)) for lhs, rhs in sides(x)]

