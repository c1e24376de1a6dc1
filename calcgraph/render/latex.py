"""LaTeX for derivations: formulas printed from their ast in written term order (sympy's printer
reorders terms), numbers and units.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from calcgraph.errors import CalcgraphError
from calcgraph.render.mdtext import number_text, table_number, unit_words
from calcgraph.render.values import shown

_SIMPLE = re.compile(r"^[A-Za-z0-9.]+$|^\\?[A-Za-z]+(_\{?[A-Za-z0-9]+\}?)?$")
_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 4, ast.Pow: 3}


def latex_number(text: str) -> str:
    r"""A number's text as LaTeX: ``7.0000e10`` -> ``7 \times 10^{10}``; ``163840`` -> ``163\,840``.

    >>> latex_number("7.0000e10"), latex_number("1e-09"), latex_number("128256"), latex_number("0.4")
    ('7 \\times 10^{10}', '10^{-9}', '128\\,256', '0.4')
    """
    return number_text(text, r"\,", r" \times ", lambda exponent: f"10^{{{exponent}}}")


def _constant(value) -> str:
    text = repr(value)
    return latex_number(text[:-2] if isinstance(value, float) and text.endswith(".0") else text)


def _prec(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _PREC.get(type(node.op), 5)
    negative = isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value < 0
    return 1 if negative or isinstance(node, ast.UnaryOp) else 5


def _paren(text: str) -> str:
    return rf"\left({text}\right)"


_WRAPPED = {"ceil": r"\left\lceil {} \right\rceil", "floor": r"\left\lfloor {} \right\rfloor",
            "sqrt": r"\sqrt{{{}}}", "abs": r"\left|{}\right|"}
_CALLS = {"max": r"\max", "min": r"\min", "log": r"\ln", "log2": r"\log_2", "exp": r"\exp",
          "erlang_c": r"C_{\mathrm{Erlang}}"}


class _Printer:
    def __init__(self, leaf: Callable[[str], str]) -> None:
        self.leaf = leaf

    def operand(self, node: ast.AST, minimum: int, strict: bool = False, left: bool = False) -> str:
        text = self.print(node)
        prec = 1 if isinstance(node, ast.Name) and text.startswith("-") else _prec(node)
        if left and text.startswith("-") and prec == 1 and not isinstance(node, ast.BinOp):
            return text  # a leading minus needs no parentheses: -a b = (-a) b
        return _paren(text) if prec < minimum or (strict and prec == minimum) else text

    def print(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return self.leaf(node.id)
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.UnaryOp):
            return ("-" if isinstance(node.op, ast.USub) else "+") + self.operand(node.operand, 2)
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
        if name in _WRAPPED:
            return _WRAPPED[name].format(args[0])
        if name == "ceil_to":
            return rf"\mathrm{{ceil\_to}}\left({args[0]};\ {', '.join(args[1:])}\right)"
        head = _CALLS.get(name, r"\operatorname{" + name.replace("_", r"\_") + "}")
        return head + _paren(", ".join(args))


def formula_latex(tree: ast.AST, leaf: Callable[[str], str]) -> str:
    r"""LaTeX of a formula's ast in its written term order; ``leaf(name)`` prints each name.

    >>> from calcgraph.core.formula.parse import parse_formula
    >>> formula_latex(parse_formula("max(a, b) + c / (d * e)").tree, str)
    '\\max\\left(a, b\\right) + \\frac{c}{d \\cdot e}'
    """
    return _Printer(leaf).print(tree)


# ---------------------------------------------------------------- numbers and units

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
    return f"{table_number(number)} {unit_words(number, unit)}".rstrip()


def value_text(ev, name: str) -> str:
    """The value of ``name`` in its display unit as report text: ``17.431 ms``, ``8 chips``; ``no answer``."""
    if ev.states[name] == "no answer":  # a solve node whose constraints have no answer (NodeState.NO_ANSWER)
        return "no answer"
    return number_unit_text(*shown(ev, name))


WRAP = 84  # visible characters of one display line before it is broken (GitHub's column holds about 90)


def visible_width(text: str) -> int:
    """About how many characters ``text`` takes once typeset: commands, braces and thin spaces dropped.

    >>> visible_width(r"\\left(1 - a_{\\mathrm{mla}}\\right) \\cdot 2")
    15
    """
    text = re.sub(r"\\(?:left|right|bigl|bigr|mathrm|text|operatorname|,|;|quad)", "", text)
    text = re.sub(r"\\(?:cdot|times|le|ge|min|max|ln|lceil|rceil|lfloor|rfloor)", "#", text)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}]", "", text))


def _breaks(text: str) -> list[tuple[int, int, int]]:
    """Where ``text`` may break: (position, parenthesis depth, 0 before a + or -, 1 before a cdot),
    outside braces and outside the \\left ... \\right pairs that must stay on one line."""
    depth, paired, parens, found = 0, 0, 0, []
    for i, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        paired += text.startswith("\\left", i) - text.startswith("\\right", i)
        parens += text.startswith("\\bigl(", i) - text.startswith("\\bigr)", i)
        if depth == 0 and paired == 0 and i > 0 and text[i - 1] == " ":
            if text.startswith(("+ ", "- "), i):
                found.append((i, parens, 0))
            elif text.startswith("\\cdot ", i):
                found.append((i, parens, 1))
    return found


def _pack(body: str, points: list[int], width: int) -> list[str]:
    out, start, last = [], 0, 0
    for point in points + [len(body)]:
        if visible_width(body[start:point]) > width and last > start:
            out.append(body[start:last].rstrip())
            start = last
        last = point
    return out + [body[start:].rstrip()]


def wrap_line(line: str, width: int = WRAP) -> list[str]:
    r"""One aligned line (``lhs &= body``) as several when it is wider than ``width``.

    Paired ``\left( \right)`` become ``\bigl( \bigr)``, which may open on one line and
    close on another; breaks fall before a ``+``/``-`` (else a ``\cdot``) at the shallowest
    parenthesis depth that makes every line fit, continued lines indented by a ``\quad``.

    >>> len(wrap_line("&= " + " + ".join(["12345"] * 30), 40)) > 1
    True
    """
    head, mark, body = line.partition("&=")
    if not mark or visible_width(head + body) <= width:
        return [line]
    body = body.replace(r"\left(", r"\bigl(").replace(r"\right)", r"\bigr)")
    room = width - visible_width(head)
    candidates = _breaks(body)
    tries = [_pack(body, [p for p, d, k in candidates if d <= depth and k in kinds], room)
             for kinds in ((0,), (0, 1)) for depth in sorted({d for _, d, _ in candidates})]
    fits = [parts for parts in tries if max(map(visible_width, parts)) <= room]  # the first fit, else the narrowest
    best = fits[0] if fits else min(tries, key=lambda parts: max(map(visible_width, parts)), default=[body])
    return [f"{head}&={best[0]}"] + [rf"&\quad {part.strip()}" for part in best[1:]]
