"""Infer a formula's physical dimension by walking its sympy tree once.

pint cannot carry units through sympy, so dimensions are checked here, at
load time, from the declared units of the names a formula uses.
"""

from __future__ import annotations

import sympy

from ..errors import UnitMismatchError
from .expr import CeilTo
from .units import DIMENSIONLESS, Dim, format_dim


class _Mismatch(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _same(dims: list[tuple[sympy.Expr, Dim]], what: str) -> Dim:
    first_expr, first = dims[0]
    for expr, dim in dims[1:]:
        if dim != first:
            raise _Mismatch(f"{what} mixes {first_expr} ({format_dim(first)}) "
                            f"with {expr} ({format_dim(dim)})")
    return first


def _walk(expr: sympy.Expr, names: dict[str, Dim]) -> Dim:
    if expr.is_Number or expr is sympy.pi or expr is sympy.E:  # singletons: no structural comparison
        return DIMENSIONLESS
    if expr.is_Symbol:
        return names[expr.name]
    args = expr.args
    if expr.is_Add:
        return _same([(a, _walk(a, names)) for a in args], "a sum")
    if expr.is_Mul:
        dim = DIMENSIONLESS
        for arg in args:
            dim = dim * _walk(arg, names)
        return dim
    if expr.is_Pow:
        base, exponent = args
        base_dim = _walk(base, names)
        exp_dim = _walk(exponent, names)
        if exp_dim != DIMENSIONLESS:
            raise _Mismatch(f"the exponent {exponent} has dimension {format_dim(exp_dim)}")
        if base_dim == DIMENSIONLESS:
            return DIMENSIONLESS
        if not exponent.is_Number:
            raise _Mismatch(f"{base} ({format_dim(base_dim)}) is raised to a non-numeric power")
        power = float(exponent)
        return base_dim ** (int(power) if power.is_integer() else power)
    if isinstance(expr, (sympy.Max, sympy.Min)):
        return _same([(a, _walk(a, names)) for a in args], f"{type(expr).__name__.lower()}()")
    if isinstance(expr, (sympy.ceiling, sympy.floor, sympy.Abs)):
        return _walk(args[0], names)
    if isinstance(expr, CeilTo):
        return _walk(args[0], names)
    if isinstance(expr, (sympy.log, sympy.exp)):
        for arg in args:
            dim = _walk(arg, names)
            if dim != DIMENSIONLESS:
                raise _Mismatch(f"{type(expr).__name__}() needs a plain number, "
                                f"but {arg} has dimension {format_dim(dim)}")
        return DIMENSIONLESS
    raise _Mismatch(f"cannot infer the dimension of {expr}")


def infer_dim(expr: sympy.Expr, names: dict[str, Dim]) -> Dim:
    """The dimension of ``expr`` given each name's dimension; raises UnitMismatchError.

    >>> from calcgraph.core.expr import parse_formula
    >>> from calcgraph.core.units import parse_unit
    >>> str(infer_dim(parse_formula("a * b").expr, {"a": parse_unit("B/chip").dim, "b": parse_unit("chip").dim}))
    '[information]'
    """
    try:
        return _walk(expr, names)
    except _Mismatch as exc:
        raise UnitMismatchError(exc.message) from None


_ROUNDING = (sympy.ceiling, sympy.floor, CeilTo)


def round_in_units(expr: sympy.Expr, units: dict, own=None) -> sympy.Expr:
    """``expr`` with ``ceil``/``floor``/``ceil_to`` rounding in their argument's declared unit.

    Values flow in base units (seconds, bytes), but ``ceil(t)`` with ``t`` declared in ms means
    whole milliseconds. The rounding unit is the declared unit of the argument when it is one
    name, else ``own`` (the unit of the quantity the formula defines) when the argument has its
    dimension, else the base unit. A factor other than 1 is written into the formula:
    ``ceil(t)`` with t in ms becomes ``ceiling(1000*t)/1000`` (docs/conventions.md).
    """
    if not expr.has(*_ROUNDING):
        return expr
    dims = {name: unit.dim for name, unit in units.items()}

    def factor_of(arg) -> float:
        if arg.is_Symbol and arg.name in units:
            return units[arg.name].factor
        if own is not None:
            try:
                if _walk(arg, dims) == own.dim:
                    return own.factor
            except (_Mismatch, KeyError):
                return 1.0
        return 1.0

    def rewrite(node):
        if not node.args:
            return node
        args = [rewrite(a) for a in node.args]
        if isinstance(node, _ROUNDING):
            factor = factor_of(node.args[0])
            if factor != 1.0:
                scale = sympy.nsimplify(factor)
                return scale * node.func(args[0] / scale, *args[1:])
        return node.func(*args) if args != list(node.args) else node

    return rewrite(expr)
