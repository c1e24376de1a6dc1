"""sympy functions of formulas built cheaply: ``ceil_to``, and Max/Min/ceiling/floor without futile queries.

sympy asks its assumptions system about every argument when it builds a
Max, Min, ceiling or floor (milliseconds each: most of a large graph's build).
Where the answer cannot change what is built (the symbols are only known to be
real), the same object is built unevaluated instead.
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
    """True when sympy's ceiling/floor cannot simplify ``arg``: one term over real symbols, not integer-valued.

    (Splitting off integer or numeric terms needs a sum; an integer needs
    ceil/floor inside, since the symbols are only known to be real.)
    """
    return not arg.is_Add and not arg.is_Number and bool(arg.free_symbols) \
        and not arg.has(sympy.ceiling, sympy.floor, CeilTo, sympy.Max, sympy.Min)


def extremum(name: str, args: list) -> sympy.Expr:
    """``Max``/``Min`` of built arguments, without sympy's pairwise assumption queries when they cannot decide.

    sympy compares every pair of arguments through its assumptions system when
    it builds a Max (milliseconds each: most of a large graph's build). With
    symbols known only to be real, it drops an argument in practice when two
    differ by a number or are both numbers, so only then is it asked; otherwise
    the Max is built unevaluated (arguments deduplicated and flattened). What
    sympy could still prove from the assumptions (max(x**2, 0) is x**2) keeps
    its longer form: the same values, another printed form.

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
    """``erlang_c(servers, load)``: the probability that an arrival waits in an M/M/c queue (``core.formula.queueing``).

    Numbers in, a Float out; otherwise it stays a function of its arguments. Its
    derivative in ``load`` is a central difference (no closed form over a variable
    number of servers); in ``servers``, a whole count, it is 0 (a step, as ``ceil``).
    """

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
