"""Bound scenario -> values: each formula's light tree compiled once into numpy closures (no exec, no sympy),
on scalars and whole grids alike; ``ceil``/``floor`` first ``snap`` (0.7 * 90 is 62.99999999999999)."""

from __future__ import annotations

import math
import operator
from functools import reduce

import numpy as np

from calcgraph.core.bulk import paused_gc
from calcgraph.core.formula.arrays import ceil_to, snap
from calcgraph.core.formula.pysource import emit
from calcgraph.core.formula.queueing import erlang_c
from calcgraph.errors import EvaluationError


def _unary(function):
    return lambda a: lambda env: function(a(env))


def _binary(function):
    return lambda a, b: lambda env: function(a(env), b(env))


def _extreme(function):
    return lambda *args: lambda env: reduce(function, (f(env) for f in args))


# pysource.emit's target of numpy closures ``env -> value``: one function of the operands' closures per kind.
NUMPY = {"language": "numpy", "num": lambda value: lambda env: value, "sorted": False, "neg": _unary(operator.neg),
         "+": _binary(operator.add), "-": _binary(operator.sub), "*": _binary(operator.mul), "/": _binary(np.divide),
         "pow": _binary(np.power), "ipow": lambda a, k: lambda env: np.power(a(env), k),
         "1/ipow": lambda a, k: lambda env: np.divide(1.0, np.power(a(env), k)),
         "ceil": _unary(lambda x: np.ceil(snap(x))), "floor": _unary(lambda x: np.floor(snap(x))),
         "ceil_to": lambda a, allowed: lambda env: ceil_to(a(env), *allowed), "erlang_c": _binary(erlang_c),
         "log2": _unary(lambda x: np.log(x) / np.log(2.0)), "max": _extreme(np.maximum), "min": _extreme(np.minimum),
         **{f: _unary(getattr(np, f)) for f in ("sqrt", "exp", "abs", "log")}}


def compile_node(node: tuple):
    """A closure ``env -> value`` computing a light tree with numpy (uncached: ``Graph.function`` keeps one)."""
    return emit(node, NUMPY, operator.itemgetter)  # a name reads env[name]


def evaluate(scenario, overrides: dict | None = None, names=None, solver=None) -> dict:
    """Every quantity's value in base units (floats, or arrays when inputs are arrays; non-finite points NaN),
    ``overrides`` replacing bound values, only for ``names`` and what they need, ``solver(name, env)`` for solves."""
    graph = scenario.graph
    env: dict = {**{name: b.value for name, b in scenario.bound.items()}, **(overrides or {})}
    fixed = set(env)
    with np.errstate(all="ignore"), paused_gc():  # compiling a large graph builds many closures
        for name in graph.plan(names):
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
            if type(value) is float or np.ndim(value) == 0:
                value = float(value)
                if not math.isfinite(value) and quantity.solve is None:  # a solve's own inf or NaN is kept
                    inputs = [env.get(n) for n in quantity.formula.names]
                    if not any(v is not None and np.ndim(v) == 0 and v != v for v in inputs):  # none unknown (NaN)
                        operands = ", ".join(f"{n} = {env[n]:.6g}" for n in quantity.formula.names if n in env)
                        raise EvaluationError(
                            f"{name} is not finite ({value}): division by zero or overflow"
                            + (f" with {operands}" if operands else ""), where=quantity.formula_where,
                            hint="check the inputs it depends on (a zero where a divisor is expected?)",
                            quantity=name)
                    value = float("nan")  # an input is unknown: so is this
            else:
                value = np.where(np.isfinite(value), value, np.nan)
            env[name] = value
    return env
