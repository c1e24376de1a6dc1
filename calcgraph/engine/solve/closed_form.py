"""Closed forms of solve answers (sympy), when the constraints are linear in the unknown: only a display,
shown when it agrees with the numeric answer; past the symbolic budget there is none."""

from __future__ import annotations

import math
from contextlib import suppress

import numpy as np
import sympy

from calcgraph.core.constraints import SolveSpec, substituted
from calcgraph.core.formula.from_sympy import compile_expr
from calcgraph.core.formula.to_sympy import CeilTo, symbol
from calcgraph.core.graph import Graph
from calcgraph.core.quantity import remember
from calcgraph.engine import budget

_EXPANSIONS = 64
TOO_LARGE_NOTE = (f"no closed form shown: it is past the symbolic budget ({budget.MAX_NODES} nodes, "
                  f"{budget.SECONDS:g} s); the numeric answer stands")


_ROOTS: dict = {}  # closed forms found, by everything they are computed from (the same modules recur)


class TooLarge(Exception):
    """The closed form went past the symbolic budget."""


def solve_closed_form(graph: Graph, spec: SolveSpec, direction: str = "largest") -> sympy.Expr | None:
    """The answer as a sympy expression of quantities that do not depend on the unknown, if linear;
    TooLarge past the symbolic budget. Remembered per process (``verify`` asks again and again)."""
    downstream = graph.downstream(spec.for_name)
    formulas = {symbol(n): graph[n].formula.expr for n in sorted(downstream)
                if graph[n].formula is not None and graph[n].solve is None}
    meaning = tuple((c.comparison.lhs.expr, c.comparison.op, c.comparison.rhs.expr, c.constants)
                    for c in spec.constraints)  # not where they are written
    key = (spec.for_name, spec.integer, direction, meaning, tuple(formulas.items()), downstream)
    with suppress(KeyError, TypeError):  # TypeError: an unhashable part, never remembered
        return _ROOTS[key]
    found = budget.attempt(lambda: [_solve_closed_form(spec, direction, downstream, formulas)])
    if found is None:  # [None]: no closed form; None: past the budget
        raise TooLarge(spec.for_name)
    with suppress(TypeError):
        remember(_ROOTS, key, found[0], 4096)
    return found[0]


def _solve_closed_form(spec: SolveSpec, direction: str, downstream, formulas: dict) -> sympy.Expr | None:
    x = symbol(spec.for_name)
    roots = []
    for c in spec.constraints:
        lhs, rhs = substituted(c)
        difference = lhs - rhs
        for _ in range(_EXPANSIONS):
            expanded = budget.check(difference.xreplace(formulas))
            if expanded == difference:
                break
            difference = expanded
        if any(symbol(n) in difference.free_symbols for n in downstream):
            return None
        if x not in difference.free_symbols:
            continue
        if difference.has(sympy.Max, sympy.Min, sympy.ceiling, sympy.floor, CeilTo, sympy.Abs):
            return None
        slope = budget.check(sympy.diff(difference, x))
        if x in slope.free_symbols or slope == 0:
            return None
        roots.append(budget.check(sympy.cancel(-difference.xreplace({x: 0}) / slope)))
    if not roots:
        return None
    root = roots[0] if len(roots) == 1 else (sympy.Min(*roots) if direction == "largest" else sympy.Max(*roots))
    if spec.integer:
        root = sympy.floor(root) if direction == "largest" else sympy.ceiling(root)
    return root


def agreeing_closed_form(graph: Graph, spec: SolveSpec, env: dict, answer: float, direction: str,
                         factor: float) -> tuple[sympy.Expr | None, str | None]:
    """The closed form when it exists and gives ``answer`` (declared units) at ``env``, else None; and a note
    when it was past the symbolic budget."""
    try:
        root = solve_closed_form(graph, spec, direction)
    except (TypeError, ValueError, ZeroDivisionError, sympy.SympifyError):
        return None, None
    except TooLarge:
        return None, TOO_LARGE_NOTE
    if root is None:
        return None, None
    with np.errstate(all="ignore"):
        value = float(compile_expr(root)(env)) / factor
    if not math.isfinite(value) or abs(value - answer) > 1e-9 * max(1.0, abs(answer)):
        return None, None
    return root, None
