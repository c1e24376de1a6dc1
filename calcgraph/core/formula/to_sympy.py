"""The sympy form of a checked formula, built only when display or symbolic work asks for it: the same
``Builder`` walk, with exact rationals for numbers (constant roundings and extrema of inexact parts folded to
floats) and a rounding in a declared unit as ``scale * ceiling(x / scale)``.
"""

from __future__ import annotations

import ast
import operator

import sympy

from calcgraph.core.formula.sympy_funcs import CeilTo, ErlangC, extremum, undecidable
from calcgraph.core.formula.whitelist import Builder

__all__ = ["FUNCTIONS", "CeilTo", "ErlangC", "formula_expr", "symbol"]

FUNCTIONS = {
    "max": sympy.Max, "min": sympy.Min, "ceil": sympy.ceiling, "floor": sympy.floor,
    "sqrt": sympy.sqrt, "log": sympy.log, "log2": lambda x: sympy.log(x, 2), "exp": sympy.exp,
    "abs": sympy.Abs, "ceil_to": CeilTo, "erlang_c": ErlangC,
}
_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_SYMBOLS: dict[str, sympy.Symbol] = {}


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol of a quantity name (one per name, real-valued)."""
    if name not in _SYMBOLS:
        _SYMBOLS[name] = sympy.Symbol(name, real=True)
    return _SYMBOLS[name]


def exact(value: float) -> sympy.Rational:
    """A float as the exact decimal it was written as: ``0.001`` is 1/1000."""
    return sympy.Rational(repr(float(value)))


def _huge_power(base, exponent) -> bool:
    """A rational to an integer power of more than 4096 bits (seconds to fold exactly: left unevaluated)."""
    if not (base.is_Rational and exponent.is_Integer) or base in (0, 1, -1):
        return False
    bits = max(abs(base.p).bit_length(), abs(base.q).bit_length())
    return bits * abs(int(exponent)) > 4096


class _SympyBuilder(Builder):
    def __init__(self, text: str, scales: dict):
        super().__init__(text)
        self.scales = scales

    def make_number(self, value, node: ast.AST):
        return sympy.Integer(value) if isinstance(value, int) else exact(value)

    def make_name(self, name: str):
        return symbol(name)

    def make_neg(self, operand, node: ast.AST):
        return -operand

    def make_binop(self, op: str, left, right, node: ast.AST):
        if op in _OPERATORS:
            return _OPERATORS[op](left, right)
        return sympy.Pow(left, right, evaluate=not _huge_power(left, right))

    def make_call(self, name: str, args: list, node: ast.Call):
        if id(node) in self.approx and name in ("ceil", "floor", "ceil_to", "max", "min") \
                and not all(a.is_Rational for a in args):
            value = self.approx[id(node)]
            return sympy.Integer(int(value)) if name in ("ceil", "floor") else exact(value)
        scale = self.scales.get(id(node))
        if scale is not None:
            args = [args[0] / scale, *args[1:]]
        if name in ("max", "min"):
            built = extremum(name, args)
        elif name in ("ceil", "floor") and undecidable(args[0]):
            built = FUNCTIONS[name](args[0], evaluate=False)  # what sympy would build, without asking
        else:
            built = FUNCTIONS[name](*args)
        return built if scale is None else scale * built


def formula_expr(formula) -> sympy.Expr:
    """The sympy form of ``formula`` (``Formula.expr`` calls this once).

    >>> from calcgraph.core.formula.parse import parse_formula
    >>> formula_expr(parse_formula("0.7 * x"))
    7*x/10
    """
    scales = {id(call): sympy.Rational(p, q) for call, p, q in formula.scales}
    return _SympyBuilder(formula.text, scales).build(formula.tree)

