"""LaTeX for derivations: formulas printed from their ast in written term order, numbers and units.

The printer walks a formula's Python ast (never text), so the symbolic line
and the line with values in place keep the order the formula was written in,
which sympy's printer does not.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from ..errors import CalcgraphError
from .mdtext import group_digits, number_parts, table_number, unit_words
from .values import shown

_SIMPLE = re.compile(r"^[A-Za-z0-9.]+$|^\\?[A-Za-z]+(_\{?[A-Za-z0-9]+\}?)?$")
_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 4, ast.Pow: 3}


def latex_number(text: str) -> str:
    r"""A number's text as LaTeX: ``7.0000e10`` -> ``7 \times 10^{10}``; ``163840`` -> ``163\,840``.

    >>> latex_number("7.0000e10"), latex_number("1e-09"), latex_number("128256"), latex_number("0.4")
    ('7 \\times 10^{10}', '10^{-9}', '128\\,256', '0.4')
    """
    parts = number_parts(text)
    if parts is None:
        return text
    sign, digits, exponent, fraction = parts
    if exponent is not None:
        power = f"10^{{{exponent}}}"
        return sign + (power if digits == "1" else f"{digits} \\times {power}")
    return sign + group_digits(digits, r"\,") + fraction


def _constant(value) -> str:
    if isinstance(value, int):
        return latex_number(str(value))
    text = repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    return latex_number(text)


def _prec(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _PREC.get(type(node.op), 5)
    if isinstance(node, ast.UnaryOp):
        return 1
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value < 0:
        return 1
    return 5


def _paren(text: str) -> str:
    return rf"\left({text}\right)"


_CALLS = {"max": r"\max", "min": r"\min", "log": r"\ln", "log2": r"\log_2", "exp": r"\exp",
          "erlang_c": r"C_{\mathrm{Erlang}}"}


class _Printer:
    def __init__(self, leaf: Callable[[str], str]) -> None:
        self.leaf = leaf

    def operand(self, node: ast.AST, minimum: int, strict: bool = False, left: bool = False) -> str:
        text = self.print(node)
        prec = _prec(node)
        if isinstance(node, ast.Name) and text.startswith("-"):
            prec = 1
        if left and text.startswith("-") and (prec == 1 and not isinstance(node, ast.BinOp)):
            return text  # a leading minus needs no parentheses: -a b = (-a) b
        if prec < minimum or (strict and prec == minimum):
            return _paren(text)
        return text

    def print(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return self.leaf(node.id)
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.UnaryOp):
            inner = self.operand(node.operand, 2)
            return ("-" if isinstance(node.op, ast.USub) else "+") + inner
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise CalcgraphError(f"cannot print {type(node).__name__} as LaTeX")

    def binop(self, node: ast.BinOp) -> str:
        op = node.op
        if isinstance(op, ast.Div):
            return rf"\frac{{{self.print(node.left)}}}{{{self.print(node.right)}}}"
        if isinstance(op, ast.Pow):
            base = self.print(node.left)
            if not (isinstance(node.left, (ast.Name, ast.Call, ast.Constant)) and _SIMPLE.match(base)
                    or isinstance(node.left, ast.Call)):
                base = _paren(base)
            return f"{{{base}}}^{{{self.print(node.right)}}}"
        if isinstance(op, (ast.Add, ast.Sub)):
            sign = " + " if isinstance(op, ast.Add) else " - "
            return self.operand(node.left, 1) + sign + self.operand(node.right, 1, strict=True)
        if isinstance(op, ast.Mult):
            return self.operand(node.left, 2, left=True) + r" \cdot " + self.operand(node.right, 2, strict=True)
        raise CalcgraphError(f"cannot print operator {type(op).__name__} as LaTeX")

    def call(self, node: ast.Call) -> str:
        name = node.func.id if isinstance(node.func, ast.Name) else "?"
        args = [self.print(a) for a in node.args]
        if name == "ceil":
            return rf"\left\lceil {args[0]} \right\rceil"
        if name == "floor":
            return rf"\left\lfloor {args[0]} \right\rfloor"
        if name == "sqrt":
            return rf"\sqrt{{{args[0]}}}"
        if name == "abs":
            return rf"\left|{args[0]}\right|"
        if name == "ceil_to":
            return rf"\mathrm{{ceil\_to}}\left({args[0]};\ {', '.join(args[1:])}\right)"
        head = _CALLS.get(name, r"\operatorname{" + name.replace("_", r"\_") + "}")
        return head + _paren(", ".join(args))


def formula_latex(tree: ast.AST, leaf: Callable[[str], str]) -> str:
    r"""LaTeX of a formula's ast in its written term order; ``leaf(name)`` prints each name.

    >>> from calcgraph.core.expr import parse_formula
    >>> formula_latex(parse_formula("max(a, b) + c / (d * e)").tree, str)
    '\\max\\left(a, b\\right) + \\frac{c}{d \\cdot e}'
    """
    return _Printer(leaf).print(tree)


# ---------------------------------------------------------------- numbers and units

def plain_number(text: str) -> str:
    """A number's text for tables: trailing zeros of a mantissa dropped (``7.0000e10`` -> ``7e10``).

    >>> plain_number("7.0000e10"), plain_number("1.2500e-05"), plain_number("17.431")
    ('7e10', '1.25e-05', '17.431')
    """
    match = re.fullmatch(r"(-?\d+)\.(\d*?)0*([eE][-+]?\d+)", text)
    if match:
        whole, fraction, exponent = match.groups()
        return whole + (f".{fraction}" if fraction else "") + exponent
    return text


def unit_latex(unit: str) -> str:
    r"""A unit's text as upright LaTeX: ``GB/s/chip`` -> ``\mathrm{GB/s/chip}``, ``1/tok`` -> ``\mathrm{tok}^{-1}``.

    >>> unit_latex("GB/s/chip"), unit_latex("1/tok"), unit_latex("s**2")
    ('\\mathrm{GB/s/chip}', '\\mathrm{tok}^{-1}', '\\mathrm{s^{2}}')
    """
    text = re.sub(r"\*\*(-?\d+)", r"^{\1}", unit).replace("%", r"\%").replace("µ", r"\mu ")
    if text.startswith("1/") and "/" not in text[2:] and "*" not in text:
        return r"\mathrm{" + text[2:] + "}^{-1}"
    return r"\mathrm{" + text.replace("*", r"\cdot ") + "}"


def number_unit_latex(number: str, unit: str) -> str:
    r"""A number and its unit as LaTeX, counts pluralised as in the text: ``8\,\mathrm{chips}``.

    >>> number_unit_latex("8", "chip"), number_unit_latex("2", "1/tok")
    ('8\\,\\mathrm{chips}', '2\\,\\mathrm{tok}^{-1}')
    """
    words = unit_words(number, unit)
    return latex_number(number) + (r"\," + unit_latex(unit if words.startswith("per ") else words) if unit else "")


def value_latex(ev, name: str) -> str:
    r"""The value of ``name`` in its display unit as LaTeX: ``70\,\mathrm{GB}``."""
    return number_unit_latex(*shown(ev, name))


def number_unit_text(number: str, unit: str) -> str:
    """A number and its unit as report text: ``53 248 tokens``, ``7 × 10¹⁰``, ``2 per tok``."""
    return f"{table_number(plain_number(number))} {unit_words(number, unit)}".rstrip()


def value_text(ev, name: str) -> str:
    """The value of ``name`` in its display unit as report text: ``17.431 ms``, ``8 chips``."""
    return number_unit_text(*shown(ev, name))
