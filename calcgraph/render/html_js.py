"""The graph's sympy formulas -> JavaScript, with sympy's own JavaScript code printer.

The printer is extended so the page computes exactly what ``calcgraph eval``
computes: numbers are the same doubles (``repr(float(x))``), products and sums
are printed in the order calcgraph/evaluate.py multiplies and adds them (the
numerator's product over the denominator's), ``ceil``/``floor`` snap values
within 1e-9 of an integer first (``cg.snap``), and ``max``/``min``/``ceil_to``
have their numpy meaning (NaN in, NaN out). Names are quantity names checked
by the graph (identifiers), read from the environment object ``v``.
"""

from __future__ import annotations

import re

import networkx as nx
import sympy
from sympy.printing.jscode import JavascriptCodePrinter

from ..core.constraints import describe_constant
from ..core.evaluate import split_mul
from ..core.expr import CeilTo

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class CalcgraphJSPrinter(JavascriptCodePrinter):
    """sympy's JavaScript printer with calcgraph's evaluation rules (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__({"strict": False})

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        if not _IDENTIFIER.match(expr.name):
            raise ValueError(f"not a quantity name: {expr.name!r}")
        return f"v.{expr.name}"

    def _number(self, expr) -> str:
        value = float(expr)
        if value != value or value in (float("inf"), float("-inf")):
            return "NaN" if value != value else ("Infinity" if value > 0 else "(-Infinity)")
        text = repr(value)
        return f"({text})" if value < 0 else text

    _print_Integer = _print_Rational = _print_Float = _number
    _print_Zero = _print_One = _print_NegativeOne = _print_Half = _number

    def _print_Add(self, expr: sympy.Add, order=None) -> str:
        return "(" + " + ".join(self._print(a) for a in expr.args) + ")"

    def _print_Mul(self, expr: sympy.Mul) -> str:
        num, den = split_mul(expr)  # the split the Python evaluator makes, so the page computes the same
        top = "(" + "*".join(self._print(a) for a in num) + ")" if num else "1.0"
        if not den:
            return top
        return f"({top}/(" + "*".join(self._print(a) for a in den) + "))"

    def _print_Pow(self, expr: sympy.Pow, rational=False) -> str:
        base, exponent = self._print(expr.base), expr.exp
        if exponent == sympy.Rational(1, 2):
            return f"Math.sqrt({base})"
        if exponent.is_Integer and exponent < 0:
            return f"(1.0/Math.pow({base}, {int(-exponent)}))"
        if exponent.is_Integer:
            return f"Math.pow({base}, {int(exponent)})"
        return f"Math.pow({base}, {self._print(exponent)})"

    def _print_Max(self, expr) -> str:
        return "Math.max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr) -> str:
        return "Math.min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_ceiling(self, expr) -> str:
        return f"Math.ceil(cg.snap({self._print(expr.args[0])}))"

    def _print_floor(self, expr) -> str:
        return f"Math.floor(cg.snap({self._print(expr.args[0])}))"

    def _print_CeilTo(self, expr) -> str:
        allowed = ", ".join(self._number(v) for v in expr.args[1:])
        return f"cg.ceilTo({self._print(expr.args[0])}, [{allowed}])"

    def _print_log(self, expr) -> str:
        if len(expr.args) == 2:
            return f"(Math.log({self._print(expr.args[0])})/Math.log({self._print(expr.args[1])}))"
        return f"Math.log({self._print(expr.args[0])})"

    def _print_Function(self, expr) -> str:
        if isinstance(expr, CeilTo):
            return self._print_CeilTo(expr)
        raise ValueError(f"no JavaScript for {expr.func.__name__}")


def js_expr(expr: sympy.Expr) -> str:
    """One sympy expression as a JavaScript expression over ``v`` (base units)."""
    return CalcgraphJSPrinter().doprint(expr)


def js_function(expr: sympy.Expr) -> str:
    """``function (v) { return ...; }`` computing ``expr``."""
    return f"function (v) {{ return {js_expr(expr)}; }}"


def _solve_plan(graph, spec, bound) -> list[str]:
    """The names a solve re-evaluates for each trial value (as calcgraph/solve.py's _Problem.plan)."""
    needed: set[str] = set()
    for c in spec.constraints:
        for name in c.names:
            needed |= {name, *nx.ancestors(graph.dag, name)}
    downstream = nx.descendants(graph.dag, spec.for_name)
    return [n for n in graph.order if n in needed and n in downstream and n not in bound]


def solve_data(graph, spec, bound=()) -> tuple[dict, list[str]]:
    """A solve spec as page data, and the JavaScript of its constraints' sides (in order)."""
    target = graph[spec.for_name]
    constraints, sides = [], []
    for c in spec.constraints:
        unit_of = next((n for n in c.names if graph[n].unit.dim == c.dim), None)
        constraints.append({"text": c.text, "op": c.op, "unit_of": unit_of,
                            "lhs": c.comparison.lhs.text, "rhs": c.comparison.rhs.text,
                            "constants": {n: v for n, v, _ in c.constants},
                            "shown": {n: describe_constant(v, u) for n, v, u in c.constants}})
        sides.append(f"[{js_function(c.comparison.lhs.expr)}, {js_function(c.comparison.rhs.expr)}]")
    bounds = list(spec.bounds) if spec.bounds is not None else None
    data = {"for": spec.for_name, "factor": target.unit.factor, "integer": bool(spec.integer),
            "bounds": bounds, "constraints": constraints, "plan": _solve_plan(graph, spec, bound),
            "where": str(spec.where)}
    return data, sides


def formulas_script(graph, checks: list) -> str:
    """The JavaScript defining CG_FORMULAS, CG_SIDES (solves) and CG_CHECKS (constraint sides)."""
    lines = ["var CG_FORMULAS = Object.create(null);", "var CG_SIDES = Object.create(null);"]
    for name in graph.order:
        quantity = graph[name]
        if quantity.formula is not None:
            lines.append(f"CG_FORMULAS.{name} = {js_function(quantity.formula.expr)};")
        elif quantity.solve is not None:
            _, sides = solve_data(graph, quantity.solve)
            lines.append(f"CG_SIDES.{name} = [{', '.join(sides)}];")
    lines.append("var CG_CHECKS = [" + ", ".join(
        f"[{js_function(c.comparison.lhs.expr)}, {js_function(c.comparison.rhs.expr)}]" for c in checks) + "];")
    return "\n".join(lines) + "\n"
