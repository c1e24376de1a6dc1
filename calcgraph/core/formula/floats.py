"""The runtime of generated code (``pysource``): float helpers mirroring ``evaluate.compile_node`` and the
integer solve rule of ``solve_grid``, with no heavy import (no sympy, numpy or pint)."""

from __future__ import annotations

import math

from calcgraph.core.formula.queueing import erlang_c_float

NAN = math.nan
# The rules every backend shares (floats, arrays, whitelist's folding, the page's data): defined once, here.
SNAP = 2.0 ** -45        # a value within this relative distance of a whole number is it, for ceil/floor
HOLD = 32 * 2.0 ** -52   # the relative rounding (32 ulps) a non-strict constraint forgives
MONOTONE = 1e-9          # a solve's slack turns when it steps both ways by more than this (relative)
EQUAL = 1e-9             # the relative difference an equation (==) forgives


class Refused(Exception):
    """The generated code could not settle this configuration: evaluate it the exact way."""


def snap_float(x: float) -> float:
    """``x`` made the whole number within a relative SNAP of it (binary noise of decimal inputs), else kept.

    >>> snap_float(0.7 * 90), snap_float(3.0000000001), snap_float(1e-10), snap_float(1000000000.4)
    (63.0, 3.0000000001, 1e-10, 1000000000.4)
    """
    if not math.isfinite(x):
        return x
    nearest = round(x)
    return float(nearest) if abs(x - nearest) <= SNAP * abs(x) else x


def _rounding(whole):
    return lambda x: float(whole(snap_float(x))) if x == x else x  # OverflowError for an infinity


_ceil, _floor = _rounding(math.ceil), _rounding(math.floor)


def _known(x: float) -> float:
    """0 for NaN (an unknown input's descendants are NaN by right), else ``x``: for the finiteness check."""
    return x if x == x else 0.0


def _max(*args: float) -> float:
    best = args[0]
    for a in args[1:]:
        if not a <= best:  # a larger, or a NaN on either side
            best = a if a > best else NAN
    return best if best == best else NAN


def _min(*args: float) -> float:
    best = args[0]
    for a in args[1:]:
        if not a >= best:
            best = a if a < best else NAN
    return best if best == best else NAN


def _ceil_to(x: float, allowed: tuple) -> float:
    if x != x:
        return x
    x = snap_float(x)
    for value in allowed:  # ascending
        if x <= value:
            return value
    return NAN


# Each function a formula calls, on floats (whitelist folds constant parts with them).
CALLS = {"max": _max, "min": _min, "ceil": _ceil, "floor": _floor, "sqrt": math.sqrt, "log": math.log,
         "exp": math.exp, "abs": abs, "log2": lambda x: math.log(x) / math.log(2.0), "erlang_c": erlang_c_float,
         "ceil_to": lambda x, *allowed: _ceil_to(x, sorted(allowed))}


def slack(op: str, lhs, rhs):
    """How far ``lhs OP rhs`` is from failing, signed so that >= 0 holds (floats or arrays, base units)."""
    if op in ("<=", "<"):
        return rhs - lhs
    if op in (">=", ">"):
        return lhs - rhs
    return -abs(lhs - rhs)


def _shifted(op: str, lhs: float, rhs: float) -> float:
    """The relative slack, plus HOLD for <= and >= (an == check is held exactly, as on the page): the constraint
    holds where this is >= 0 (> 0 when strict)."""
    return slack(op, lhs, rhs) / max(abs(lhs), abs(rhs), 1e-300) + (HOLD if op in ("<=", ">=") else 0.0)


def _passes(op: str, shifted: float) -> bool:
    return (shifted > 0 if op in ("<", ">") else shifted >= 0) and shifted < math.inf  # as arrays.feasible


def feasible(ops: tuple, sides: tuple) -> bool:
    """Every ``lhs OP rhs`` holds on floats: the rule of ``constraints.holds`` (a side not finite fails).

    >>> feasible(("<=",), ((0.015, 0.015),)), feasible(("<",), ((1.0, 1.0),)), feasible(("<=",), ((math.nan, 1.0),))
    (True, False, False)
    """
    return all(math.isfinite(lhs) and math.isfinite(rhs) and _passes(op, _shifted(op, lhs, rhs))
               for op, (lhs, rhs) in zip(ops, sides, strict=True))


def integer_guess(ops: tuple, sides, low: float, factor: float) -> float:
    """A guess (declared units) at the largest x where every constraint holds: the least root of the slacks
    that fall, each linear through ``low`` and ``low + 1``; inf if none falls.

    >>> integer_guess(("<=",), lambda x: ((3.0 * x, 100.0),), 1.0, 1.0)
    33.333333333333336
    """
    return min([math.inf, *(low + g0 / (g0 - g1) for g0, g1 in slack_steps(ops, sides, low, factor) if g1 < g0)])


def slack_steps(ops: tuple, sides, low: float, factor: float) -> list:
    """Each constraint's slack at ``low`` and at ``low + 1`` (declared units)."""
    at_low, at_next = sides(low * factor), sides((low + 1.0) * factor)
    return [(slack(op, *a), slack(op, *b)) for op, a, b in zip(ops, at_low, at_next, strict=True)]


def scan(ops: tuple, sides, points: tuple, factor: float) -> tuple[float, float] | None:
    """The scan of ``engine.solve.scalar`` on floats: the bracket (good, bad) it refines, or None where it finds
    no answer (nothing or everything holds, separate stretches, a constraint not monotone).

    >>> scan(("<=",), lambda x: ((3.0 * x, 99.0),), (1.0, 4.0, 16.0, 64.0), 1.0)
    (16.0, 64.0)
    >>> scan(("<=",), lambda x: (((x - 5.0) ** 2, 4.0),), (1.0, 4.0, 16.0, 64.0), 1.0) is None
    True
    """
    rows, ok = [[] for _ in ops], []
    for x in points:
        holds_all = True
        for row, op, (lhs, rhs) in zip(rows, ops, sides(x * factor), strict=True):
            if math.isfinite(lhs) and math.isfinite(rhs):
                s = _shifted(op, lhs, rhs)
                holds_all = holds_all and _passes(op, s)
                row.append(s)
            else:
                holds_all = False
        ok.append(holds_all)
    runs = ok[0] + sum(1 for a, b in zip(ok, ok[1:], strict=False) if b and not a)
    if runs != 1 or all(ok):
        return None
    for row in rows:
        tolerance = MONOTONE * max(1.0, max(map(abs, row))) if row else 0.0
        steps = [b - a for a, b in zip(row, row[1:], strict=False)]
        if any(d > tolerance for d in steps) and any(d < -tolerance for d in steps):
            return None
    first, last = ok.index(True), len(ok) - 1 - ok[::-1].index(True)  # the bracket of ``problem.Scan``
    return (points[last], points[last + 1]) if first == 0 or last < len(ok) - 1 else (points[first], points[first - 1])


def solve_integer(ops: tuple, sides, low: float, high: float, factor: float, points: tuple = ()) -> float:
    """The engine's integer answer (base units): the largest whole x in [low, high) (declared units) that holds
    while x + 1 fails, from ``integer_guess`` within the scan's bracket at ``points``; where only large values
    hold, the smallest (``_smallest_integer``); NaN where the scan finds none; else Refused.

    >>> solve_integer(("<=",), lambda x: ((3.0 * x, 99.0),), 1.0, 1e12, 1.0)
    33.0
    """
    if points:  # the engine's scan: where it finds no answer, neither does this; else its bracket
        bracket = scan(ops, sides, points, factor)
        if bracket is None:
            return NAN
        if bracket[1] < bracket[0]:  # only large values hold: the smallest that does
            return _smallest_integer(ops, sides, bracket[1], bracket[0], factor)
        low, high = bracket[0], bracket[1] + 1.0
    guess = integer_guess(ops, sides, low, factor)
    if not math.isfinite(guess):
        raise Refused
    candidate = _floor(guess)  # snapped, then whole: a root a rounding below a whole number is that number

    def holds_at(x: float) -> bool:
        return feasible(ops, sides(x * factor))
    here, above = holds_at(candidate), holds_at(candidate + 1.0)
    if here and not above and low <= candidate < high:
        return candidate * factor
    if above and low <= candidate + 1.0 < high and not holds_at(candidate + 2.0):
        return (candidate + 1.0) * factor
    if not here and low <= candidate - 1.0 < high and holds_at(candidate - 1.0):
        return (candidate - 1.0) * factor
    raise Refused


def _smallest_integer(ops: tuple, sides, bad: float, good: float, factor: float) -> float:
    """The smallest whole x in the bracket (bad, good] that holds while x - 1 fails, in base units, from the
    greatest root of the slacks that rise (linear through ``bad`` and ``bad + 1``); else Refused (the engine bisects).

    >>> _smallest_integer((">=",), lambda x: ((x, 3.0),), 1.0, 4.0, 1.0)
    3.0
    """
    steps = slack_steps(ops, sides, bad, factor)
    roots = [bad - g0 / (g1 - g0) for g0, g1 in steps if g1 > g0]
    if not roots or any(not g1 >= g0 for g0, g1 in steps) or not math.isfinite(guess := max(roots)):
        raise Refused  # none rises, one falls or is NaN, or no finite root
    candidate = min(max(_ceil(guess), bad + 1.0), good)  # snapped: a root a rounding above a whole is that whole
    for x in (candidate, candidate + 1.0):
        if bad < x <= good and feasible(ops, sides(x * factor)) and not feasible(ops, sides((x - 1.0) * factor)):
            return x * factor
    raise Refused


def solve_integer_memo(memo: dict, key: tuple, *problem) -> float:
    """``solve_integer(*problem)``, remembered in ``memo`` by the values its sides read (``key``)."""
    found = memo.get(key)
    if found is None:
        if len(memo) >= 4096:
            memo.clear()
        found = memo[key] = solve_integer(*problem)  # Refused is not remembered: the engine answers it
    return found


HELPERS = {"_nan": NAN, "_known": _known, "_ceil": _ceil, "_floor": _floor, "_max": _max, "_min": _min,
           "_ceil_to": _ceil_to, "_pow": math.pow, "_sqrt": math.sqrt, "_log": math.log, "_exp": math.exp, "_ipow": pow,
           "_solve_integer_memo": solve_integer_memo, "_erlang_c": erlang_c_float}  # math.pow: ValueError, not complex


def numpy_helpers() -> dict:
    """``_log``, ``_exp`` and ``_pow`` by numpy's float64 functions, as the normal path (``evaluate``) has them:
    the C library's differ in the last bit for a few inputs in a hundred (``Model.evaluator`` needs bit for bit)."""
    import numpy as np

    def _log(x: float) -> float:
        if not x > 0.0:
            raise ValueError("math domain error")  # as math.log: the normal path words it
        return float(np.log(x))

    def _exp(x: float) -> float:
        value = float(np.exp(x))
        if value == math.inf and x == x:
            raise OverflowError("math range error")
        return value

    def _pow(base: float, exponent: float) -> float:
        value = float(np.power(base, exponent))
        if value != value and base == base and exponent == exponent:
            raise ValueError("math domain error")
        return value
    return {"_log": _log, "_exp": _exp, "_pow": _pow}


def build(text: str, name: str, namespace: dict):
    """Compile generated ``text`` (source of ``def name(...)``, only ever text calcgraph generated) and return
    the function."""
    scope = dict(HELPERS)
    scope.update(namespace)
    scope["__builtins__"] = {"abs": abs}
    code = compile(text, f"<calcgraph generated {name}>", "exec")  # safe: in-memory codegen text, not from disk
    exec(code, scope)  # safe: text built by pysource.source() from checked sympy trees only
    return scope[name]
