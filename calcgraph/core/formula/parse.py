"""Safe formula text -> a light tree (``Formula.node``) by ``ast.parse`` and the whitelist (no eval or sympy):
``("num", value, ast)``, ``("name", name)``, ``(op, left, right)`` for ``+ - * / **``, ``("neg", x)``,
``("call", function, args, ast)`` (a rounding in a declared unit expanded to arithmetic by ``dimensions``)."""

from __future__ import annotations

import ast
import itertools
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import cached_property

from calcgraph.core.formula.whitelist import COMPARISONS, FUNCTIONS, NAME_RE, Builder
from calcgraph.errors import ExpressionError

__all__ = ["FUNCTIONS", "NAME_RE", "Comparison", "Formula", "parse_comparison", "parse_formula"]

MAX_TEXT = 2000
MAX_DEPTH = 40


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, Python ast (for printing in its own order), light tree and names;
    ``scales``: each rounding in a declared unit, ``(call ast, p, q)`` (``dimensions.round_in_units``)."""

    text: str
    tree: ast.AST = field(compare=False, repr=False)
    names: tuple[str, ...]
    node: tuple = field(compare=False, repr=False)
    scales: tuple = ()

    @cached_property
    def function(self):
        """The light tree compiled once into a numpy closure ``env -> value`` (``evaluate.compile_node``)."""
        from calcgraph.core.evaluate import compile_node
        return compile_node(self.node)

    @cached_property
    def expr(self):
        """The sympy form (exact numbers, roundings in their units), built once on demand."""
        from calcgraph.core.formula.to_sympy import formula_expr
        return formula_expr(self)


@dataclass(frozen=True)
class Comparison:
    """``lhs OP rhs`` for solving: both sides are formulas."""

    text: str
    lhs: Formula
    op: str
    rhs: Formula


def _parse_tree(text: str, mode_hint: str) -> ast.AST:
    """The ast of ``text``, after bounding its length, characters and nesting."""
    if not isinstance(text, str):
        raise ExpressionError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ExpressionError(f"formula longer than {MAX_TEXT} characters",
                              hint="split it into intermediate quantities")
    odd = next((c for c in text if not (c.isascii() and (c.isprintable() or c in " \t"))), None)
    if odd is not None:
        looks_like = unicodedata.normalize("NFKC", odd) != odd
        raise ExpressionError(f"character {odd!r} (U+{ord(odd):04X}) is not allowed in formulas"
                              + (" (it looks like another character)" if looks_like else ""),
                              hint="formulas use plain ASCII names, numbers and operators")
    worst = max(itertools.accumulate(((c in "([{") - (c in ")]}") for c in text), initial=0))
    if worst > MAX_DEPTH or text.count("**") > 8:
        raise ExpressionError(f"formula nested too deeply (over {MAX_DEPTH} levels or chained '**')",
                              hint="split it into intermediate quantities")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # '1if x else 2' warns before it is refused
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {mode_hint} {text!r}: {exc.msg}",
                              hint="check parentheses and operators") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"cannot parse {mode_hint}: too complex") from None
    return tree.body


def _formula(text: str, tree: ast.AST) -> Formula:
    builder = Builder()
    node = builder.build(tree)
    return Formula(text=text, tree=tree, names=tuple(builder.names), node=node)


def parse_formula(text: str) -> Formula:
    """Parse formula text into a :class:`Formula` (safe: no Python evaluation, no sympy).

    >>> parse_formula("2 * layers * d_head").names
    ('layers', 'd_head')
    >>> parse_formula("2 ** 10 * x").node[1][:2]
    ('num', 1024.0)
    """
    return _formula(text.strip(), _parse_tree(text, "formula"))


def parse_comparison(text: str) -> Comparison:
    """Parse ``lhs OP rhs`` with exactly one comparison operator.

    >>> parse_comparison("total_memory <= hbm_capacity").op
    '<='
    """
    tree = _parse_tree(text, "constraint")
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1:
        raise ExpressionError(f"a constraint needs exactly one comparison: {text!r}",
                              hint="write e.g. 'total_memory <= hbm_capacity' or 't_step <= 15 ms'")
    op = COMPARISONS.get(type(tree.ops[0]))
    if op is None:
        raise ExpressionError(f"comparison {type(tree.ops[0]).__name__} is not allowed",
                              hint="use <=, <, >=, > or ==")
    lhs, rhs = (_formula(ast.unparse(node), node) for node in (tree.left, tree.comparators[0]))
    return Comparison(text=text.strip(), lhs=lhs, op=op, rhs=rhs)

