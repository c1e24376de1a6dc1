"""The sympy form of a checked formula, built on demand by the whitelist's walk: exact rationals, a rounding in a
declared unit as ``scale * ceiling(x / scale)``, Max/Min/ceiling/floor built without sympy's assumption queries."""

from __future__ import annotations

import ast
import functools
import operator

import sympy

from calcgraph.core.formula.whitelist import Builder


class CeilTo(sympy.Function):
    """``ceil_to(x, v1, v2, ...)``: the smallest listed value >= x (e.g. slice sizes)."""

    @classmethod
    def eval(cls, x, *values):  # safe: sympy's Function hook on built objects, not text
        if x.is_Number and all(v.is_Number for v in values):
            fitting = [v for v in values if v >= x]
            return min(fitting) if fitting else sympy.nan

    def _latex(self, printer):
        args = ", ".join(printer._print(a) for a in self.args[1:])
        return rf"\operatorname{{ceil\_to}}\left({printer._print(self.args[0])};\ {args}\right)"


def undecidable(arg: sympy.Expr) -> bool:
    """True when sympy's ceiling/floor cannot simplify ``arg``: one term over real symbols, not integer-valued
    (no sum to split terms off, no rounding inside)."""
    return not arg.is_Add and not arg.is_Number and bool(arg.free_symbols) \
        and not arg.has(sympy.ceiling, sympy.floor, CeilTo, sympy.Max, sympy.Min)


def extremum(cls: type, args: list) -> sympy.Expr:
    """``Max``/``Min`` of built arguments; sympy is asked only where it can drop an argument (two are numbers or
    differ by one), else it is built unevaluated, flattened and deduplicated (max(x**2, 0) keeps its form).

    >>> x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    >>> extremum(sympy.Max, [x, y]) == sympy.Max(x, y), extremum(sympy.Min, [x, x + 1]), extremum(sympy.Max, [x, x])
    (True, x, x)
    """
    unique = list(dict.fromkeys(a for arg in args for a in (arg.args if arg.func is cls else [arg])))
    numbers = [a for a in unique if a.is_Number]
    simple = len(unique) == 1 or len(numbers) > 1 or len(numbers) == len(unique) \
        or any(a.is_Number is not True and not a.free_symbols for a in unique) \
        or any((a - b).is_Number for i, a in enumerate(unique) for b in unique[i + 1:])
    try:
        return cls(*args) if simple else cls(*unique, evaluate=False)
    except ValueError:  # an argument sympy cannot order (the log of a negative number is complex)
        return cls(*unique, evaluate=False)


def replace(expr: sympy.Basic, mapping: dict) -> sympy.Basic:
    """``expr.xreplace(mapping)``, with a Max or Min rebuilt as ``extremum`` builds it: sympy's own rebuild
    searches every pair of arguments for one to drop, which took most of a planner report's half minute.

    >>> x, y = sympy.symbols("x y", real=True)
    >>> replace(sympy.Max(x, y, evaluate=False) + 1, {y: x + 1})
    x + 2
    """
    memo: dict = {}

    def walk(e):
        if e in mapping:
            return mapping[e]
        if id(e) not in memo:
            args = tuple(walk(a) if isinstance(a, sympy.Basic) else a for a in e.args)
            if all(a is b for a, b in zip(args, e.args, strict=True)):
                memo[id(e)] = (e, e)  # e kept alive with its id
            else:
                memo[id(e)] = (e, extremum(e.func, list(args)) if e.func in (sympy.Max, sympy.Min) else e.func(*args))
        return memo[id(e)][1]
    return walk(expr)


class ErlangC(sympy.Function):
    """``erlang_c(servers, load)`` (``queueing``): a Float of numbers; its derivative in ``load`` a central
    difference, in ``servers`` (a whole count, a step) 0."""

    nargs = 2

    @classmethod
    def eval(cls, servers, load):  # safe: sympy's Function hook on built objects, not text
        if servers.is_Number and load.is_Number:
            from calcgraph.core.formula.queueing import erlang_c_float
            return sympy.Float(erlang_c_float(float(servers), float(load)))

    def fdiff(self, argindex=1):
        servers, load = self.args
        if argindex == 1:
            return sympy.Integer(0)
        step = load / 10 ** 6
        return (ErlangC(servers, load + step) - ErlangC(servers, load - step)) / (2 * step)

    def _latex(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return rf"C_{{\mathrm{{Erlang}}}}\left({args}\right)"


FUNCTIONS = {"max": sympy.Max, "min": sympy.Min, "ceil": sympy.ceiling, "floor": sympy.floor, "sqrt": sympy.sqrt,
             "log": sympy.log, "log2": lambda x: sympy.log(x, 2), "exp": sympy.exp, "abs": sympy.Abs,
             "ceil_to": CeilTo, "erlang_c": ErlangC}


@functools.cache
def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol of a quantity name (one per name, real-valued)."""
    return sympy.Symbol(name, real=True)


def exact(value: float) -> sympy.Rational:
    """A float as the exact decimal it was written as: ``0.001`` is 1/1000."""
    return sympy.Rational(repr(float(value)))


def _power(base, exponent) -> sympy.Expr:
    """``base ** exponent``, left unevaluated when a rational to an integer power of more than 4096 bits (seconds
    to fold exactly)."""
    huge = base.is_Rational and exponent.is_Integer and base not in (0, 1, -1) \
        and max(abs(base.p).bit_length(), abs(base.q).bit_length()) * abs(int(exponent)) > 4096
    return sympy.Pow(base, exponent, evaluate=not huge)


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": _power,
              "neg": operator.neg}


class _SympyBuilder(Builder):
    def __init__(self, scales: dict):
        super().__init__()
        self.scales = scales

    def make(self, node: ast.AST, kind: str, *parts):
        if kind == "num":
            return sympy.Integer(node.value) if isinstance(node.value, int) else exact(node.value)
        if kind == "name":
            return symbol(parts[0])
        if kind != "call":
            return _OPERATORS[kind](*parts)
        name, args = parts[0], list(parts[1])
        if id(node) in self.approx and name in ("ceil", "floor", "ceil_to", "max", "min") \
                and not all(a.is_Rational for a in args):
            value = self.approx[id(node)]
            return sympy.Integer(int(value)) if name in ("ceil", "floor") else exact(value)
        scale = self.scales.get(id(node))
        if scale is not None:
            args = [args[0] / scale, *args[1:]]
        if name in ("max", "min"):
            built = extremum(FUNCTIONS[name], args)
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
    return _SympyBuilder(scales).build(formula.tree)

