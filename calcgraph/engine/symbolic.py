"""Closed forms in the leaves (inputs, pinned and solved quantities) and elasticities d ln y / d ln x: max/min on
their active branch, rounding as its argument, a solve node's by implicit differentiation of its binding constraint."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy

from calcgraph.core.constraints import constant_values
from calcgraph.core.evaluate import evaluate
from calcgraph.core.formula.from_sympy import compile_expr
from calcgraph.core.formula.to_sympy import CeilTo, replace, symbol
from calcgraph.engine import budget
from calcgraph.engine.evaluated import Evaluated, NodeState
from calcgraph.errors import EvaluationError

KINK = "kink"
ROUNDING = "rounding"
SOLVED = "solved"
NUMERIC = "numeric"  # the closed form was past the symbolic budget: central differences through the graph
STEP = 1e-6  # relative step of those differences


# ---------------------------------------------------------------- closed forms

def is_leaf(ev: Evaluated, name: str) -> bool:
    """True for names a closed form keeps as symbols: inputs, pinned and solved quantities."""
    return ev.graph[name].formula is None or ev.states[name] is NodeState.PINNED


def cached(ev, kind: str) -> dict:
    """A memo of ``kind`` kept for the life of ``ev``: closed forms are built once per evaluated scenario."""
    return ev.memos.setdefault(kind, {})


def closed_form(ev, name: str, _memo: dict | None = None) -> sympy.Expr:
    """``name`` as a sympy expression in leaves only, built in evaluation order (no recursion).

    >>> import calcgraph
    >>> closed_form(calcgraph.load().evaluated, "param_bytes")
    n_params*weight_bytes
    """
    memo = _memo if _memo is not None else cached(ev, "closed")
    return _substitute(ev, name, memo, lambda _, f: replace(f.expr, {symbol(n): memo[n] for n in f.names}))


def _reached(ev, name: str) -> dict:
    """``name`` and the quantities its closed form substitutes, depth first in formula order (no recursion)."""
    found: dict = {}  # an ordered set
    stack = [name]
    while stack:
        current = stack.pop()
        if current not in found:
            found[current] = None
            if not is_leaf(ev, current):
                stack.extend(reversed(ev.graph[current].formula.names))
    return found


def _substitute(ev, name: str, memo: dict, build: Callable) -> sympy.Expr:
    """Fill ``memo`` up to ``name`` in evaluation order: a leaf is its symbol, a formula ``build(name, formula)``."""
    if name in memo:
        return memo[name]
    found = _reached(ev, name)
    for current in (n for n in ev.graph.order if n in found and n not in memo):
        memo[current] = symbol(current) if is_leaf(ev, current) else build(current, ev.graph[current].formula)
    return memo[name]


def leaves(expr: sympy.Expr) -> set[str]:
    """The quantity names a closed form depends on."""
    return {s.name for s in expr.free_symbols}


def closed_form_text(ev, name: str, memo: dict | None = None) -> str:
    """sympy's text of ``name``'s closed form, or a short note when it is past the symbolic budget."""
    text = budget.attempt(lambda: budget.text(closed_form(ev, name, memo)))
    return text if text is not None else f"({budget.TOO_LARGE}: more than {budget.MAX_NODES} nodes)"


# ---------------------------------------------------------------- elasticities

@dataclass(frozen=True)
class Elasticities:
    """d ln y / d ln x of one quantity for each input it depends on, and how they were found."""

    name: str
    values: tuple          # ((input name, float), ...) in declaration order
    notes: tuple           # ((kind, text), ...): kink, rounding, solved

    def get(self, name: str) -> float:
        """The elasticity with respect to ``name`` (0 when it does not depend on it)."""
        return dict(self.values).get(name, 0.0)


def _number(expr: sympy.Expr, point: dict) -> float:
    try:
        return float(compile_expr(expr)(point))
    except (EvaluationError, KeyError, TypeError, ZeroDivisionError):
        values = {s: sympy.Float(point[s.name], 30) for s in expr.free_symbols}
        return float(expr.xreplace(values).evalf(30))


def _call_text(function: str, args) -> str:
    return f"{function}({', '.join(sympy.sstr(a) for a in args)})"


def smooth(expr: sympy.Expr, value: Callable[[sympy.Expr], float], notes: list,
           label: str = "") -> sympy.Expr:
    """``expr`` with max/min replaced by their active branch (``value(e)``: a subexpression's number) and
    rounding by its argument; each replacement adds a note.

    >>> from calcgraph.core.formula.parse import parse_formula
    >>> notes = []
    >>> smooth(parse_formula("max(a, b) + ceil(c)").expr, lambda e: {"a": 1, "b": 2}.get(str(e), 0), notes)
    b + c
    >>> notes[0]
    ('kink', 'max(a, b) on its active branch b')
    """
    prefix = f"{label}: " if label else ""
    if expr.is_Atom:
        return expr
    if isinstance(expr, (sympy.Max, sympy.Min)):
        function, pick = ("max", max) if isinstance(expr, sympy.Max) else ("min", min)
        values = [value(a) for a in expr.args]
        index = values.index(pick(values))
        tie = sum(math.isclose(v, values[index], rel_tol=1e-12) for v in values) > 1
        notes.append((KINK, f"{prefix}{_call_text(function, expr.args)} on its active branch "
                      f"{sympy.sstr(expr.args[index])}" + (" (a tie: the derivative jumps here)" if tie else "")))
        return smooth(expr.args[index], value, notes, label)
    if isinstance(expr, (sympy.ceiling, sympy.floor, CeilTo)):
        function = {sympy.ceiling: "ceil", sympy.floor: "floor"}.get(type(expr), "ceil_to")
        notes.append((ROUNDING, f"{prefix}{_call_text(function, expr.args)} treated as its argument"))
        return smooth(expr.args[0], value, notes, label)
    return expr.func(*[smooth(a, value, notes, label) for a in expr.args])


def smooth_closed_form(ev, name: str, point: dict, notes: list, memo: dict,
                       own: dict | None = None) -> sympy.Expr:
    """The closed form of ``name`` with each formula smoothed at ``point`` (BudgetExceeded past the budget);
    ``own`` keeps each formula's notes with ``memo`` (default: only the formulas this call smooths)."""
    own = own if own is not None else {}

    def value(e: sympy.Expr) -> float:
        return _number(budget.check(e.xreplace({s: closed_form(ev, s.name) for s in e.free_symbols})), point)

    def build(current: str, formula) -> sympy.Expr:
        own[current] = []
        expr = smooth(formula.expr, value, own[current], current)
        return budget.check(expr.xreplace({symbol(n): memo[n] for n in formula.names}))
    _substitute(ev, name, memo, build)
    for current in _reached(ev, name):  # each formula's notes before its names'
        notes.extend(own.get(current, ()))
    return memo[name]


def _log_partials(expr: sympy.Expr, point: dict, skip=()) -> dict[str, float]:
    """x * d expr / dx for each symbol x of ``expr`` not in ``skip``, at ``point`` (0 where x is 0)."""
    return {s.name: _number(budget.check(sympy.diff(expr, s)), point) * point[s.name] if point[s.name] != 0 else 0.0
            for s in sorted(expr.free_symbols, key=lambda s: s.name) if s.name not in skip}


def _through_solves(ev, partials: dict, notes: list, seen: frozenset) -> dict[str, float]:
    """Partials in leaves as partials in inputs and pins: a solved leaf is followed to its own elasticities."""
    total: dict[str, float] = defaultdict(float)
    for leaf, e in partials.items():
        if _solved(ev, leaf):
            inner = elasticities(ev, leaf, seen)
            notes.extend(inner.notes)
            for x, ex in inner.values:
                total[x] += e * ex
        else:
            total[leaf] += e
    return total


def _solved(ev: Evaluated, name: str) -> bool:
    return ev.states[name] in (NodeState.SOLVED, NodeState.NO_ANSWER)


def elasticities(ev, name: str, _seen: frozenset = frozenset()) -> Elasticities:
    """d ln name / d ln x for every input x that ``name`` depends on, at the scenario's values.

    >>> import calcgraph
    >>> e = elasticities(calcgraph.load().evaluated, "t_param_load")
    >>> round(e.get("n_params"), 9), round(e.get("chips"), 9)
    (1.0, -1.0)
    """
    if _solved(ev, name) and (name in _seen or ev.states[name] is NodeState.NO_ANSWER):
        return Elasticities(name, (), ())  # a solve node without an answer moves with nothing
    found = budget.attempt(lambda: _symbolic_elasticities(ev, name, _seen))
    return found if found is not None else numeric_elasticities(ev, name)


def _symbolic_elasticities(ev, name: str, _seen: frozenset) -> Elasticities:
    point = dict(ev.values)
    if _solved(ev, name):
        return _solve_elasticities(ev, name, point, _seen | {name})
    notes: list = []
    expr = smooth_closed_form(ev, name, point, notes, cached(ev, "smooth"), cached(ev, "smooth notes"))
    value = _number(expr, point)
    total = _through_solves(ev, _log_partials(expr, point), notes, _seen | {name})
    return _finish(ev, name, {x: e / value if value != 0 else math.nan for x, e in total.items()}, notes)


def _numeric_leaves(ev, name: str) -> list[str]:
    """The inputs and pinned quantities ``name`` depends on, through solve nodes too (a pin has no parents)."""
    found = ev.graph.needed((name,))
    return [n for n in ev.graph.quantities if n != name and n in found
            and (ev.graph[n].is_input or ev.states[n] is NodeState.PINNED)]


def numeric_elasticities(ev, name: str, why: str = "") -> Elasticities:
    """d ln name / d ln x by central differences through the graph: when the closed form is too large."""
    y = float(ev.values[name])
    total: dict[str, float] = {}
    for x in _numeric_leaves(ev, name):
        x0 = float(ev.values[x])
        if x0 == 0 or y == 0:
            total[x] = 0.0 if x0 == 0 else math.nan
            continue
        sides = []
        for factor in (1 + STEP, 1 - STEP):
            try:
                env = evaluate(ev.scenario, overrides={x: x0 * factor}, names=[name], solver=ev.solver)
                sides.append(float(env[name]))
            except EvaluationError:
                sides.append(math.nan)
        with np.errstate(all="ignore"):
            total[x] = float((np.log(abs(sides[0])) - np.log(abs(sides[1])))
                             / (math.log1p(STEP) - math.log1p(-STEP)))
    why = why or f"a closed form of more than {budget.MAX_NODES} nodes, or past {budget.SECONDS:g} s of CPU time"
    return _finish(ev, name, total, [(NUMERIC, f"{name}: {why}")])


def _finish(ev, name: str, total: dict, notes: list) -> Elasticities:
    values = tuple((n, total[n]) for n in ev.graph.quantities if n in total)  # in declaration order
    return Elasticities(name, values, tuple(dict.fromkeys(notes)))


def _solve_elasticities(ev, name: str, point: dict, seen: frozenset) -> Elasticities:
    """Implicit differentiation of the binding constraint g(x, p) = lhs - rhs = 0: d ln x / d ln p =
    -(p g_p) / (x g_x), a solve node in g followed to its own elasticities."""
    details = ev.solve_details(name)
    notes: list = [(SOLVED, f"{name}: solved for {details.for_name}, binding constraint {details.binding_text}"
                    + ("; the integer treated as continuous" if details.integer else ""))]
    if not details.binding:
        return _finish(ev, name, {}, notes)
    constants = constant_values(details.binding[0])
    here = {**point, **constants, details.for_name: details.value}
    memo: dict = {}
    lhs, rhs = (side.expr.xreplace({symbol(n): smooth_closed_form(ev, n, here, notes, memo) for n in side.names})
                for side in (details.binding[0].comparison.lhs, details.binding[0].comparison.rhs))
    g, x = lhs - rhs, symbol(details.for_name)
    moving = [s for s in leaves(g) if _solved(ev, s) and details.for_name in _numeric_leaves(ev, s)]
    if moving:  # its value here is not the scenario's: only the graph knows it at the answer
        return numeric_elasticities(ev, name, f"its binding constraint reads {moving[0]}, solved again for each "
                                              f"{details.for_name}")
    g_x = _number(sympy.diff(g, x), here) if all(s.name in here for s in g.free_symbols) else 0
    if g_x == 0 or details.value == 0:
        return _finish(ev, name, {}, notes)
    total = _through_solves(ev, _log_partials(g, here, {details.for_name, *constants}), notes, seen)
    return _finish(ev, name, {p: -e / (g_x * details.value) for p, e in total.items()}, notes)
