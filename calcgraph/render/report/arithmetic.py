"""The arithmetic a report shows besides the formula: unrounded values, conversion factors, switches."""

from __future__ import annotations

import ast
import copy
import math
import re
from collections.abc import Callable

import numpy as np
import sympy

from calcgraph.core.evaluate import compile_node
from calcgraph.core.formula.from_sympy import compile_expr
from calcgraph.core.formula.to_sympy import CeilTo
from calcgraph.core.formula.whitelist import Builder
from calcgraph.core.numbers import format_number
from calcgraph.core.units import to_unit
from calcgraph.errors import CalcgraphError
from calcgraph.render.latex import latex_number, number_unit_latex, value_latex
from calcgraph.render.mdtext import table_number
from calcgraph.render.values import shown

_ROUNDING = (sympy.ceiling, sympy.floor, CeilTo)
_TIME = (("h", 3600, "3600 s/h"), ("day", 86400, "86 400 s/day"), ("min", 60, "60 s/min"))


def is_switch(ev, name: str) -> bool:
    """True for a 0/1 input that turns a term on or off, or an efficiency or fraction at 1, set by an
    assumption preset or documented as ``0: ...`` / ``1: ...``."""
    quantity = ev.graph[name]
    if not quantity.is_input or ev.values.get(name) not in (0, 1) or quantity.unit.text != "1":
        return False
    bound = ev.scenario.bound.get(name)
    preset = bound is not None and "assumptions" in str(bound.where)
    return preset or bool(re.match(r"\s*[01]:", quantity.doc))


def _number(value: float) -> str:
    return latex_number(format_number(value, 4))


def _rounded(atom, inner: str) -> str:
    if isinstance(atom, CeilTo):
        allowed = ", ".join(latex_number(str(a)) for a in atom.args[1:])
        return rf"\mathrm{{ceil\_to}}\left({inner};\ {allowed}\right)"
    bracket = "ceil" if isinstance(atom, sympy.ceiling) else "floor"
    return rf"\left\l{bracket} {inner} \right\r{bracket}"


def attempt(compute: Callable[[], object]) -> float | None:
    """``compute()`` as a float, or None when a formula cannot be evaluated at these values."""
    try:
        with np.errstate(all="ignore"):  # a factor of 1/0 or log(-1) is just not a number here
            return float(compute())
    except (ArithmeticError, CalcgraphError, KeyError, TypeError, ValueError):
        return None


def _unrounded(ev, atom, top: bool, display_of: str) -> str | None:
    value = attempt(lambda: compile_expr(atom.args[0])(ev.values))
    if value is None or not math.isfinite(value) or value.is_integer():
        return None
    if top:
        value = float(to_unit(value, ev.display_unit(display_of)))
        return _rounded(atom, number_unit_latex(format_number(value, 4), shown(ev, display_of)[1]))
    return _rounded(atom, _number(value))


def rounding_lines(ev, name: str) -> list[str]:
    """Aligned lines showing what each ceiling or floor of ``name``'s formula rounds: ``&= ⌈7.06⌉``."""
    expr = ev.graph[name].formula.expr
    lines = []
    for atom in sorted(expr.atoms(*_ROUNDING), key=sympy.default_sort_key):
        text = _unrounded(ev, atom, atom == expr, name)
        if text is not None:
            lines.append(f"&= {text}" if atom == expr else
                         rf"&\quad \text{{where }} {text} = {_number(float(compile_expr(atom)(ev.values)))}")
    return lines


def solve_substituted(ev, result) -> list[str]:
    """A solve's closed form with the values in place, and the unrounded value of its rounding."""
    expr = result.closed_form
    names = {s: value_latex(ev, s.name) for s in expr.free_symbols if s.name in ev.graph}
    if len(names) != len(expr.free_symbols):
        return []
    lines = [f"&= {sympy.latex(expr, symbol_names=names, mul_symbol='dot')}"]
    unrounded = _unrounded(ev, expr, True, result.for_name) if isinstance(expr, _ROUNDING) else None
    return lines + ([f"&= {unrounded}"] if unrounded else [])


def conversion_note(ev, name: str) -> str | None:
    """A sentence naming a conversion factor other than a power of ten that the units bring in."""
    quantity = ev.graph[name]
    leaves = list(quantity.formula.names)
    if not leaves or quantity.formula.expr.atoms(*_ROUNDING):
        return None
    numbers = {n: float(shown(ev, n)[0]) for n in leaves + [name]}
    naive = attempt(lambda: compile_expr(quantity.formula.expr)(numbers))
    ratio = numbers[name] / naive if naive else math.nan
    if not math.isfinite(ratio) or ratio <= 0:  # unknown (no chip price), zero or of another sign
        return None
    units = " ".join(shown(ev, n)[1] for n in leaves + [name])
    for word, factor, text in _TIME:
        if not re.search(rf"(^|[/ *]){word}($|[/ *])", units):
            continue
        for power in (factor, 1 / factor):
            rest = math.log10(ratio / power)
            if abs(rest - round(rest)) < 1e-6:
                prefix = "" if round(rest) == 0 else f" and {table_number(f'1e{round(rest)}')} from the unit prefixes"
                how = "times" if power > 1 else "divided by"
                return (f"The numbers give {table_number(format_number(naive))}, {how} the conversion factor "
                        f"{text}{prefix}: {table_number(format_number(numbers[name]))} {shown(ev, name)[1]}.")
    return None


OFF = "__off__"  # the placeholder of a switched-off term in a pruned formula tree


def factors(node: ast.AST) -> list[ast.AST]:
    """The factors of a product (``a * (b + c) * d`` -> a, b + c, d); a node that is no product is its own."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return factors(node.left) + factors(node.right)
    return [node]


def pruned_tree(tree: ast.AST, values) -> ast.AST:
    """``tree`` with each switched-off term of a sum replaced by the placeholder ``OFF``, which the values-in-place
    line prints as an "off" zero instead of the arithmetic of a term a 0/1 switch multiplies away.

    >>> from calcgraph.core.formula.parse import parse_formula
    >>> tree = pruned_tree(parse_formula("(1 - m) * a * b + m * c").tree, {"m": 1.0, "a": 2.0, "b": 3.0, "c": 4.0})
    >>> ast.unparse(tree)
    '__off__ + m * c'
    """
    tree = copy.deepcopy(tree)
    for node in reversed(list(ast.walk(tree))):  # each node after the terms inside it
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            for side in ("left", "right"):  # a product with an exact zero factor: ``(1 - mla) * ...``, mla = 1
                parts = factors(getattr(node, side))
                if len(parts) > 1 and any(attempt(lambda f=f: compile_node(Builder().build(f))(values)) == 0
                                          for f in parts):
                    setattr(node, side, ast.Name(id=OFF, ctx=ast.Load()))
    return tree
