"""Checked formulas -> straight-line Python source for scalar evaluation, written by calcgraph only.

The fast evaluator (``calcgraph.engine.fast``) runs one generated function per
(graph, outputs, inputs). The source is built here from checked sympy trees,
never from text of a YAML file or the command line: every quantity becomes a
positional local named ``v<index>`` (its name never appears in the code), every
number a ``repr`` of a finite float, every operation a Python operator or one of
the helpers in ``HELPERS`` (``calcgraph.core.numeric``, which runs without sympy).
The arithmetic mirrors ``evaluate.compile_expr``
(same operand order, ``ceil``/``floor`` snapping, NaN through ``max``/``min``),
on Python floats. Whatever Python refuses where numpy would give inf or NaN
(a division by zero, an overflow, ``log(0)``) raises ``ArithmeticError`` or
``ValueError``: the caller then evaluates that configuration the exact way.
"""

from __future__ import annotations

import math

import sympy

from .evaluate import split_mul
from .expr import CeilTo
from .numeric import HELPERS, NAN, _floor, build

__all__ = ["HELPERS", "NAN", "Unsupported", "_floor", "build", "literal", "source"]



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


def source(expr: sympy.Expr, local: dict) -> str:
    """Python source computing ``expr``; ``local`` maps each quantity name to its source (a local or literal)."""
    if expr.is_Symbol:
        try:
            return local[expr.name]
        except KeyError:
            raise Unsupported(f"no value for {expr.name}") from None
    if expr.is_Number or expr.is_NumberSymbol:
        return literal(float(expr))
    if expr.is_Add:
        return "(" + " + ".join(source(a, local) for a in expr.args) + ")"
    if expr.is_Mul:
        num, den = split_mul(expr)
        top = "(" + " * ".join(source(a, local) for a in num) + ")" if num else "1.0"
        if not den:
            return top
        return f"({top} / (" + " * ".join(source(a, local) for a in den) + "))"
    args = [source(a, local) for a in expr.args]
    if expr.is_Pow:
        base, exponent = args
        e = expr.exp
        if e == sympy.Rational(1, 2):
            return f"_sqrt({base})"
        if e.is_Integer and e < 0:
            return f"(1.0 / _ipow({base}, {int(-e)}))"
        if e.is_Integer:
            return f"_ipow({base}, {int(e)})"
        return f"_pow({base}, {exponent})"
    simple = {sympy.Max: "_max", sympy.Min: "_min", sympy.ceiling: "_ceil", sympy.floor: "_floor",
              sympy.exp: "_exp", sympy.Abs: "abs"}
    for kind, helper in simple.items():
        if isinstance(expr, kind):
            return f"{helper}({', '.join(args)})"
    if isinstance(expr, CeilTo):
        allowed = tuple(sorted(float(v) for v in expr.args[1:]))
        return f"_ceil_to({args[0]}, ({', '.join(literal(v) for v in allowed)},))"
    if isinstance(expr, sympy.log):
        if len(args) == 2:
            return f"(_log({args[0]}) / _log({args[1]}))"
        return f"_log({args[0]})"
    raise Unsupported(f"cannot translate {type(expr).__name__}")
