"""Checked formulas -> straight-line Python source for scalar evaluation, written by calcgraph only.

The fast evaluator (``calcgraph.engine.fast``) runs one generated function per
(graph, outputs, inputs). The source is built here from checked light trees (``expr.Formula.node``),
never from text of a YAML file or the command line: every quantity becomes a
positional local named ``v<index>`` (its name never appears in the code), every
number a ``repr`` of a finite float, every operation a Python operator or one of
the helpers in ``HELPERS`` (``calcgraph.core.formula.floats``, which runs without sympy).
The arithmetic mirrors ``evaluate.compile_node``
(same operand order, ``ceil``/``floor`` snapping, NaN through ``max``/``min``),
on Python floats. Whatever Python refuses where numpy would give inf or NaN
(a division by zero, an overflow, ``log(0)``) raises ``ArithmeticError`` or
``ValueError``: the caller then evaluates that configuration the exact way.
"""

from __future__ import annotations

import math

from calcgraph.core.formula.floats import HELPERS, NAN, _floor, build

__all__ = ["HELPERS", "NAN", "Unsupported", "_floor", "build", "expand_round", "literal", "power_kind", "source"]


class Unsupported(Exception):
    """A formula this generator does not translate (the caller keeps the exact evaluator)."""


def literal(value: float, unknown: bool = False) -> str:
    """A finite float as exact Python source (NaN too, as ``_nan``, when ``unknown`` may be NaN)."""
    value = float(value)
    if unknown and value != value:
        return "_nan"
    if not math.isfinite(value):
        raise Unsupported(f"non-finite constant {value}")
    return f"({value!r})"


def expand_round(node: tuple) -> tuple:
    """A rounding in a declared unit, ``("round", p, q, call)``, as plain arithmetic: p*f((q*x)/p)/q."""
    _, p, q, call = node
    x = call[2][0]
    inner = ("*", ("num", q, None), x) if q != 1 else x
    inner = ("/", inner, ("num", p, None)) if p != 1 else inner
    rounded = ("call", call[1], (inner, *call[2][1:]), call[3])
    top = ("*", ("num", p, None), rounded) if p != 1 else rounded
    return ("/", top, ("num", q, None)) if q != 1 else top


def power_kind(exponent: tuple) -> int | str:
    """How ``x ** exponent`` is computed, the same by every evaluator: a whole exponent k (|k| <= 64)
    as an integer power (``1 / x**-k`` when negative), ``"sqrt"`` for 0.5, else ``"pow"``."""
    if exponent[0] == "num":
        if float(exponent[1]).is_integer() and abs(exponent[1]) <= 64:
            return int(exponent[1])
        if exponent[1] == 0.5:
            return "sqrt"
    return "pow"


_OPERATORS = {"+", "-", "*", "/"}
_SIMPLE = {"max": "_max", "min": "_min", "ceil": "_ceil", "floor": "_floor", "exp": "_exp", "abs": "abs",
           "sqrt": "_sqrt", "log": "_log", "erlang_c": "_erlang_c"}


def source(node: tuple, local: dict) -> str:
    """Python source computing a light tree; ``local`` maps each quantity name to its source (a local or literal)."""
    kind = node[0]
    if kind == "name":
        try:
            return local[node[1]]
        except KeyError:
            raise Unsupported(f"no value for {node[1]}") from None
    if kind == "num":
        return literal(node[1])
    if kind == "round":
        return source(expand_round(node), local)
    if kind == "neg":
        return f"(-{source(node[1], local)})"
    if kind in _OPERATORS:
        return f"({source(node[1], local)} {kind} {source(node[2], local)})"
    if kind == "**":
        base, kind = source(node[1], local), power_kind(node[2])
        if kind == "sqrt":
            return f"_sqrt({base})"
        if kind == "pow":
            return f"_pow({base}, {source(node[2], local)})"
        return f"(1.0 / _ipow({base}, {-kind}))" if kind < 0 else f"_ipow({base}, {kind})"
    name, args = node[1], node[2]
    if name == "ceil_to":
        allowed = tuple(sorted(float(a[1]) for a in args[1:]))
        return f"_ceil_to({source(args[0], local)}, ({', '.join(literal(v) for v in allowed)},))"
    if name == "log2":
        return f"(_log({source(args[0], local)}) / _log(2.0))"
    return f"{_SIMPLE[name]}({', '.join(source(a, local) for a in args)})"
