"""Bound scenario -> values: each formula compiled once into numpy closures.

No ``lambdify`` (it runs ``exec``): the sympy tree is walked once into nested
closures over plain magnitudes in base units, which work on scalars and on
whole numpy grids alike. ``ceil``/``floor`` first snap values within a relative
2**-45 (about 3e-14, some hundred rounding steps of a double) of an integer,
because decimal inputs are inexact in binary (0.7 * 90 is 62.99999999999999)
and the formulas mean the exact decimal; nothing that a decimal input really
says is snapped (1000000000.4 stays, and so does 1e-10). The unit they round in
is written into the formula by ``dimensions.round_in_units``.
"""

from __future__ import annotations

import operator
from functools import reduce

import numpy as np
import sympy

from ..errors import EvaluationError
from .arraynumeric import SNAP, ceil_to, snap
from .bulk import paused_gc
from .expr import CeilTo

__all__ = ["SNAP", "compile_expr", "evaluate", "snap", "split_mul"]


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


def _finite_problem(name, quantity, value, env):
    operands = ", ".join(f"{n} = {env[n]:.6g}" for n in quantity.formula.names if n in env)
    return EvaluationError(
        f"{name} is not finite ({value}): division by zero or overflow"
        + (f" with {operands}" if operands else ""), where=quantity.formula_where,
        hint="check the inputs it depends on (a zero where a divisor is expected?)", quantity=name)


def _is_nan(value) -> bool:
    return value is not None and np.ndim(value) == 0 and value != value


def evaluate(scenario, overrides: dict | None = None, names=None, solver=None) -> dict:
    """Every quantity's value in base units (floats, or arrays when inputs are arrays).

    ``overrides`` replaces bound values (name -> magnitude or array, base units);
    ``names`` limits the work to those quantities and what they need; ``solver``
    (``solver(name, env) -> value``) computes solve nodes: the engine injects it,
    so this layer knows nothing of solving.
    Raises EvaluationError for a non-finite scalar, or a solve node without a solver;
    non-finite array points become NaN.
    """
    graph = scenario.graph
    env: dict = {name: b.value for name, b in scenario.bound.items()}
    if overrides:
        env.update(overrides)
    fixed = set(scenario.bound) | set(overrides or ())
    order = graph.plan(names)
    with np.errstate(all="ignore"), paused_gc():  # compiling a large graph builds many closures
        for name in order:
            if name in fixed:
                continue
            quantity = graph[name]
            if quantity.solve is not None:
                if solver is None:
                    raise EvaluationError(f"{name} is defined by a solve and no solver was given",
                                          where=quantity.where, quantity=name,
                                          hint="evaluate with calcgraph.engine.evaluated.evaluate_scenario")
                value = solver(name, env)
            else:
                value = graph.function(name)(env)
            if np.ndim(value) == 0:
                value = float(value)
                if not np.isfinite(value):
                    if quantity.solve is not None:
                        env[name] = value
                        continue
                    if not any(_is_nan(env.get(n)) for n in quantity.formula.names):
                        raise _finite_problem(name, quantity, value, env)
                    value = float("nan")  # an input is unknown: so is this
            else:
                value = np.where(np.isfinite(value), value, np.nan)
            env[name] = value
    return env
