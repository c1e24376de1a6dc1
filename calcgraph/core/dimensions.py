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
    if expr.is_Number or expr in (sympy.pi, sympy.E):
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
