"""A formula's physical dimension from its names' declared units, checked once at load (pint cannot carry
units through formulas); roundings in declared units."""

from __future__ import annotations

import ast
from fractions import Fraction

from calcgraph.core.formula.parse import Formula
from calcgraph.core.formula.whitelist import ROUNDING
from calcgraph.core.units import DIMENSIONLESS, Dim, format_dim
from calcgraph.errors import UnitMismatchError

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}


def node_text(node: tuple) -> str:
    """A light tree as formula text, for messages.

    >>> from calcgraph.core.formula.parse import parse_formula
    >>> node_text(parse_formula("a*(b+c)/d").node)
    'a * (b + c) / d'
    """
    kind = node[0]
    if kind in ("num", "call"):
        return ast.unparse(node[-1])
    if kind == "name":
        return node[1]
    if kind == "neg":
        return "-" + _operand(node[1], 3)
    level = _PRECEDENCE[kind]
    return f"{_operand(node[1], level)} {kind} {_operand(node[2], level + (kind != '**'))}"


def _operand(node: tuple, level: int) -> str:
    text = node_text(node)
    return f"({text})" if _PRECEDENCE.get(node[0], 9) < level else text


def _same(nodes, names: dict, what: str, plain: bool = False) -> Dim:
    """The one dimension of ``nodes`` (``plain``: each a plain number), else UnitMismatchError naming ``what``."""
    first = DIMENSIONLESS if plain else infer_dim(nodes[0], names)
    for node in nodes[0 if plain else 1:]:
        dim = infer_dim(node, names)
        if dim != first:
            raise UnitMismatchError(f"{what} needs a plain number, but {node_text(node)} has dimension "
                                    f"{format_dim(dim)}" if plain else f"{what} mixes {node_text(nodes[0])} "
                                    f"({format_dim(first)}) with {node_text(node)} ({format_dim(dim)})")
    return first


def infer_dim(node: tuple, names: dict[str, Dim]) -> Dim:
    """The dimension of a light tree given each name's dimension; raises UnitMismatchError.

    >>> from calcgraph.core.formula.parse import parse_formula
    >>> from calcgraph.core.units import parse_unit
    >>> str(infer_dim(parse_formula("a * b").node, {"a": parse_unit("B/chip").dim, "b": parse_unit("chip").dim}))
    '[information]'
    """
    kind = node[0]
    if kind == "num":
        return DIMENSIONLESS
    if kind == "name":
        return names[node[1]]
    if kind in ("+", "-"):
        return _same(node[1:], names, "a sum")
    if kind in ("*", "/"):
        left, right = infer_dim(node[1], names), infer_dim(node[2], names)
        return left * right if kind == "*" else left / right
    if kind == "neg":
        return infer_dim(node[1], names)
    if kind == "**":
        _, base, exponent = node
        base_dim, exp_dim = infer_dim(base, names), infer_dim(exponent, names)
        if exp_dim != DIMENSIONLESS:
            raise UnitMismatchError(f"the exponent {node_text(exponent)} has dimension {format_dim(exp_dim)}")
        if base_dim == DIMENSIONLESS:
            return DIMENSIONLESS
        if exponent[0] != "num":
            raise UnitMismatchError(f"{node_text(base)} ({format_dim(base_dim)}) is raised to a non-numeric power")
        return base_dim ** (int(exponent[1]) if float(exponent[1]).is_integer() else exponent[1])
    name, args = node[1], node[2]
    if name in ("max", "min"):
        return _same(args, names, f"{name}()")
    if name in ("ceil", "floor", "abs", "ceil_to"):
        return infer_dim(args[0], names)
    if name == "sqrt":
        return infer_dim(args[0], names) ** 0.5
    return _same(args, names, f"{name}()", plain=True)  # log, log2, exp, erlang_c


def scale_parts(factor: float) -> tuple[int, int]:
    """A unit factor as the simplest fraction p/q that is that float: 0.001 is (1, 1000).

    >>> scale_parts(0.001), scale_parts(1 / 3600), scale_parts(2.0 ** 30)
    ((1, 1000), (1, 3600), (1073741824, 1))
    """
    exact = Fraction(factor)
    candidates = (exact.limit_denominator(10 ** digits) for digits in range(1, 19))
    fraction = next((f for f in candidates if float(f) == factor), exact)
    return fraction.numerator, fraction.denominator


def _scaled(call: tuple, p: float, q: float) -> tuple:
    """A rounding ``call`` in a unit of factor p/q as plain arithmetic, as every backend computes it: p*f((q*x)/p)/q."""
    x = call[2][0]
    inner = ("*", ("num", q, None), x) if q != 1 else x
    inner = ("/", inner, ("num", p, None)) if p != 1 else inner
    rounded = ("call", call[1], (inner, *call[2][1:]), call[3])
    top = ("*", ("num", p, None), rounded) if p != 1 else rounded
    return ("/", top, ("num", q, None)) if q != 1 else top


def round_in_units(formula: Formula, units: dict, own=None) -> Formula:
    """``formula`` with roundings in a declared unit (``ceil(t)``, t in ms, is ``ceil(1000*t)/1000``): the argument's
    if one name, else ``own``'s if of its dimension, else the base unit (docs/conventions.md)."""
    if formula.scales or not any(isinstance(n, ast.Call) and n.func.id in ROUNDING for n in ast.walk(formula.tree)):
        return formula  # rounded already, or nothing to round
    dims = {name: unit.dim for name, unit in units.items()}
    scales: list = []

    def factor_of(arg: tuple) -> float:
        if arg[0] == "name" and arg[1] in units:
            return units[arg[1]].factor
        try:
            return own.factor if own is not None and infer_dim(arg, dims) == own.dim else 1.0
        except (UnitMismatchError, KeyError):
            return 1.0

    def rewrite(node: tuple) -> tuple:
        kind = node[0]
        if kind in ("num", "name"):
            return node
        if kind != "call":
            return (kind, *(rewrite(a) for a in node[1:]))
        call = ("call", node[1], tuple(rewrite(a) for a in node[2]), node[3])
        if node[1] in ROUNDING and (factor := factor_of(node[2][0])) != 1.0:
            p, q = scale_parts(factor)
            scales.append((node[3], p, q))
            return _scaled(call, float(p), float(q))
        return call

    node = rewrite(formula.node)
    if not scales:
        return formula
    return Formula(text=formula.text, tree=formula.tree, names=formula.names, node=node, scales=tuple(scales))
