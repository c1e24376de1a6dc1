"""Bound scenario -> values: each formula's light tree compiled once into numpy closures (no exec, no sympy).

The closures work on scalars and whole numpy grids alike. ``ceil``/``floor`` first ``snap`` values within a
relative 2**-45 of an integer: decimal inputs are inexact in binary (0.7 * 90 is 62.99999999999999).
"""

from __future__ import annotations

import math
import operator
from functools import reduce

import numpy as np

from calcgraph.core.bulk import paused_gc
from calcgraph.core.formula.arrays import ceil_to, snap
from calcgraph.core.formula.pysource import expand_round, power_kind
from calcgraph.core.formula.queueing import erlang_c
from calcgraph.errors import EvaluationError

_CALLS = {"sqrt": np.sqrt, "log": np.log, "exp": np.exp, "abs": np.abs}
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": np.divide}


def compile_node(node: tuple):
    """A closure ``env -> value`` computing a light tree with numpy (uncached: ``Graph.function`` keeps one)."""
    kind = node[0]
    if kind == "name":
        name = node[1]
        return lambda env: env[name]
    if kind == "num":
        value = float(node[1])
        return lambda env: value
    if kind == "round":
        return compile_node(expand_round(node))
    if kind == "neg":
        inner = compile_node(node[1])
        return lambda env: -inner(env)
    if kind == "call":
        return _compile_call(node[1], [compile_node(a) for a in node[2]], node[2])
    left, right = compile_node(node[1]), compile_node(node[2])
    if kind in _BINARY:
        op = _BINARY[kind]
        return lambda env: op(left(env), right(env))
    k = power_kind(node[2])
    if k == "sqrt":
        return lambda env: np.sqrt(left(env))
    if k == "pow":
        return lambda env: np.power(left(env), right(env))
    if k < 0:
        return lambda env: np.divide(1.0, np.power(left(env), -k))
    return lambda env: np.power(left(env), k)


def _compile_call(name: str, args: list, nodes):
    if name in ("max", "min"):
        extreme = np.maximum if name == "max" else np.minimum
        return lambda env: reduce(extreme, (f(env) for f in args))
    if name == "erlang_c":
        servers, load = args
        return lambda env: erlang_c(servers(env), load(env))
    inner = args[0]
    if name == "ceil":
        return lambda env: np.ceil(snap(inner(env)))
    if name == "floor":
        return lambda env: np.floor(snap(inner(env)))
    if name == "ceil_to":
        allowed = tuple(float(n[1]) for n in nodes[1:])
        return lambda env: ceil_to(inner(env), *allowed)
    if name == "log2":
        return lambda env: np.log(inner(env)) / np.log(2.0)
    function = _CALLS[name]
    return lambda env: function(inner(env))


def _finite_problem(name, quantity, value, env) -> EvaluationError:
    operands = ", ".join(f"{n} = {env[n]:.6g}" for n in quantity.formula.names if n in env)
    return EvaluationError(
        f"{name} is not finite ({value}): division by zero or overflow"
        + (f" with {operands}" if operands else ""), where=quantity.formula_where,
        hint="check the inputs it depends on (a zero where a divisor is expected?)", quantity=name)


def _is_nan(value) -> bool:
    return value is not None and np.ndim(value) == 0 and value != value


def evaluate(scenario, overrides: dict | None = None, names=None, solver=None) -> dict:
    """Every quantity's value in base units (floats, or arrays when inputs are arrays; non-finite points NaN).

    ``overrides`` replaces bound values; ``names`` limits the work to them and what they need;
    ``solver(name, env)`` computes solve nodes.
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
            if type(value) is float or np.ndim(value) == 0:
                value = float(value)
                if not math.isfinite(value):
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
