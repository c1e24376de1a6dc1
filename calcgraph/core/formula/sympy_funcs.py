"""sympy functions of formulas (``ceil_to``, ``erlang_c``), and Max/Min/ceiling/floor built without sympy's
assumption queries (milliseconds each) where, the symbols being only real, the answer cannot change what is built.
"""

from __future__ import annotations

import sympy


class CeilTo(sympy.Function):
    """``ceil_to(x, v1, v2, ...)``: the smallest listed value >= x (e.g. slice sizes)."""

    @classmethod
    def eval(cls, x, *values):  # safe: sympy's Function hook on built objects, not text
        if x.is_Number and all(v.is_Number for v in values):
            fitting = [v for v in values if v >= x]
            return min(fitting) if fitting else sympy.nan
        return None

    def _latex(self, printer):
        args = ", ".join(printer._print(a) for a in self.args[1:])
        return rf"\operatorname{{ceil\_to}}\left({printer._print(self.args[0])};\ {args}\right)"


def undecidable(arg: sympy.Expr) -> bool:
    """True when sympy's ceiling/floor cannot simplify ``arg``: one term over real symbols, not integer-valued
    (no sum to split terms off, no rounding inside)."""
    return not arg.is_Add and not arg.is_Number and bool(arg.free_symbols) \
        and not arg.has(sympy.ceiling, sympy.floor, CeilTo, sympy.Max, sympy.Min)


def extremum(name: str, args: list) -> sympy.Expr:
    """``Max``/``Min`` of built arguments; sympy is asked only where it can drop an argument (two are numbers or
    differ by one), else it is built unevaluated, flattened and deduplicated (max(x**2, 0) keeps its form).

    >>> x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    >>> extremum("max", [x, y]) == sympy.Max(x, y), extremum("min", [x, x + 1]), extremum("max", [x, x])
    (True, x, x)
    """
    cls = sympy.Max if name == "max" else sympy.Min
    flat: list = []
    for arg in args:
        flat.extend(arg.args if arg.func is cls else [arg])
    unique = list(dict.fromkeys(flat))
    numbers = [a for a in unique if a.is_Number]
    if len(unique) == 1 or len(numbers) > 1 or len(numbers) == len(unique) \
            or any(a.is_Number is not True and not a.free_symbols for a in unique):
        return cls(*args)
    for i, a in enumerate(unique):
        for b in unique[i + 1:]:
            if (a - b).is_Number:
                return cls(*args)
    return cls(*unique, evaluate=False)


class ErlangC(sympy.Function):
    """``erlang_c(servers, load)`` (``queueing``): a Float of numbers; its derivative in ``load`` a central
    difference, in ``servers`` (a whole count, a step) 0."""

    nargs = 2

    @classmethod
    def eval(cls, servers, load):  # safe: sympy's Function hook on built objects, not text
        if servers.is_Number and load.is_Number:
            from calcgraph.core.formula.queueing import erlang_c_float
            return sympy.Float(erlang_c_float(float(servers), float(load)))
        return None

    def fdiff(self, argindex=1):
        servers, load = self.args
        if argindex == 1:
            return sympy.Integer(0)
        step = load / 10 ** 6
        return (ErlangC(servers, load + step) - ErlangC(servers, load - step)) / (2 * step)

    def _latex(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return rf"C_{{\mathrm{{Erlang}}}}\left({args}\right)"
