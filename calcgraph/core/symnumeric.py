"""Numeric code from sympy expressions: closed forms and symbolic results only.

Formulas are evaluated from their light trees (``evaluate.compile_node``,
``codegen.source``); what exists only as sympy (a solve's closed form) is
compiled here, with the same arithmetic: closures over numpy for ``compile_expr``,
generated float source for ``sym_source``.
"""

from __future__ import annotations

import operator
from functools import reduce

import numpy as np
import sympy

from ..errors import EvaluationError
from .arraynumeric import ceil_to, snap
from .codegen import Unsupported, literal
from .queueing import erlang_c
from .rounding import CeilTo, ErlangC


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


def _product(functions):
    if len(functions) == 1:
        return functions[0]
    return lambda env: reduce(operator.mul, (f(env) for f in functions))


def compile_expr(expr: sympy.Expr):
    """A closure ``env -> value`` computing ``expr`` with numpy (scalars or arrays).

    Not cached here: a graph keeps one per node (``Graph.function``), a solve one per constraint.
    """
    if expr.is_Symbol:
        name = expr.name
        return lambda env: env[name]
    if expr.is_Number or expr.is_NumberSymbol:  # exp(1) is sympy's E
        value = float(expr)
        return lambda env: value
    args = [compile_expr(a) for a in expr.args] if not expr.is_Mul else None
    if expr.is_Add:
        return lambda env: reduce(operator.add, (f(env) for f in args))
    if expr.is_Mul:
        num, den = split_mul(expr)
        top = _product([compile_expr(a) for a in num]) if num else (lambda env: 1.0)
        if not den:
            return top
        bottom = _product([compile_expr(a) for a in den])
        return lambda env: np.divide(top(env), bottom(env))
    if expr.is_Pow:
        base, exponent = args
        e = expr.exp
        if e == sympy.Rational(1, 2):
            return lambda env: np.sqrt(base(env))
        if e.is_Integer and e < 0:
            k = int(-e)
            return lambda env: np.divide(1.0, np.power(base(env), k))
        if e.is_Integer:
            k = int(e)
            return lambda env: np.power(base(env), k)
        return lambda env: np.power(base(env), exponent(env))
    if isinstance(expr, sympy.Max):
        return lambda env: reduce(np.maximum, (f(env) for f in args))
    if isinstance(expr, sympy.Min):
        return lambda env: reduce(np.minimum, (f(env) for f in args))
    if isinstance(expr, sympy.ceiling):
        (inner,) = args
        return lambda env: np.ceil(snap(inner(env)))
    if isinstance(expr, sympy.floor):
        (inner,) = args
        return lambda env: np.floor(snap(inner(env)))
    if isinstance(expr, ErlangC):
        servers, load = args
        return lambda env: erlang_c(servers(env), load(env))
    if isinstance(expr, CeilTo):
        first = args[0]
        allowed = tuple(float(v) for v in expr.args[1:])
        return lambda env: ceil_to(first(env), *allowed)
    if isinstance(expr, sympy.log):
        if len(args) == 2:
            inner, base = args
            return lambda env: np.log(inner(env)) / np.log(base(env))
        (inner,) = args
        return lambda env: np.log(inner(env))
    if isinstance(expr, sympy.exp):
        (inner,) = args
        return lambda env: np.exp(inner(env))
    if isinstance(expr, sympy.Abs):
        (inner,) = args
        return lambda env: np.abs(inner(env))
    raise EvaluationError(f"cannot evaluate {expr}")


def sym_source(expr: sympy.Expr, local: dict) -> str:
    """Python source computing ``expr``; ``local`` maps each quantity name to its source (a local or literal)."""
    if expr.is_Symbol:
        try:
            return local[expr.name]
        except KeyError:
            raise Unsupported(f"no value for {expr.name}") from None
    if expr.is_Number or expr.is_NumberSymbol:
        return literal(float(expr))
    if expr.is_Add:
        return "(" + " + ".join(sym_source(a, local) for a in expr.args) + ")"
    if expr.is_Mul:
        num, den = split_mul(expr)
        top = "(" + " * ".join(sym_source(a, local) for a in num) + ")" if num else "1.0"
        if not den:
            return top
        return f"({top} / (" + " * ".join(sym_source(a, local) for a in den) + "))"
    args = [sym_source(a, local) for a in expr.args]
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
              sympy.exp: "_exp", sympy.Abs: "abs", ErlangC: "_erlang_c"}
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
