"""sympy forms (a solve's closed form, a derivative) lowered to the light tree, so that
``evaluate.compile_node`` computes them as every formula, in the operand order sympy gives."""

from __future__ import annotations

from functools import reduce

import sympy

from calcgraph.core.evaluate import compile_node
from calcgraph.core.formula.to_sympy import CeilTo, ErlangC
from calcgraph.errors import EvaluationError

_CALLS = {sympy.Max: "max", sympy.Min: "min", sympy.ceiling: "ceil", sympy.floor: "floor", sympy.exp: "exp",
          sympy.Abs: "abs", CeilTo: "ceil_to", ErlangC: "erlang_c"}


def split_mul(expr: sympy.Mul):
    """A product as (numerator factors, denominator factors), the order every evaluator computes it in."""
    num, den = [], []
    for arg in expr.args:
        if arg.is_Rational and not arg.is_Integer:
            if arg.p != 1:
                num.append(sympy.Integer(arg.p))
            den.append(sympy.Integer(arg.q))
        elif arg.is_Pow and arg.exp.is_Number and arg.exp < 0:
            den.append(arg.base if arg.exp == -1 else sympy.Pow(arg.base, -arg.exp))
        else:
            num.append(arg)
    return num, den


def _chain(op: str, nodes: list) -> tuple:
    """``a op b op c`` computed left to right, as a tree."""
    return reduce(lambda left, right: (op, left, right), nodes)


def lower(expr: sympy.Expr) -> tuple:
    """The light tree computing ``expr`` (names, float numbers, operators, calls).

    >>> a, b = sympy.Symbol("a", real=True), sympy.Symbol("b", real=True)
    >>> lower(sympy.ceiling(a / 3) + b)
    ('+', ('name', 'b'), ('call', 'ceil', (('/', ('name', 'a'), ('num', 3.0, None)),), None))
    """
    if expr.is_Symbol:
        return ("name", expr.name)
    if expr.is_Number or expr.is_NumberSymbol:  # exp(1) is sympy's E
        return ("num", float(expr), None)
    if expr.is_Add:
        return _chain("+", [lower(a) for a in expr.args])
    if expr.is_Mul:
        num, den = split_mul(expr)
        top = _chain("*", [lower(a) for a in num]) if num else ("num", 1.0, None)
        return ("/", top, _chain("*", [lower(a) for a in den])) if den else top
    if expr.is_Pow:
        return ("**", lower(expr.base), lower(expr.exp))  # pysource.power_kind: sqrt, whole or general
    if isinstance(expr, sympy.log):
        inner = ("call", "log", (lower(expr.args[0]),), None)
        return ("/", inner, ("call", "log", (lower(expr.args[1]),), None)) if len(expr.args) == 2 else inner
    for kind, name in _CALLS.items():
        if isinstance(expr, kind):
            return ("call", name, tuple(lower(a) for a in expr.args), None)
    raise EvaluationError(f"cannot evaluate {expr}")


def compile_expr(expr: sympy.Expr):
    """A closure ``env -> value`` computing ``expr`` with numpy (not cached: ``Graph.function`` keeps one)."""
    return compile_node(lower(expr))
