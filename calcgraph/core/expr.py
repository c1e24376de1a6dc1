"""Safe formula text -> sympy, via Python's ``ast`` and a whitelist.

Text from YAML or the command line is never given to ``eval``, ``exec``,
``sympify`` or ``parse_expr``: it is parsed by ``ast.parse`` (after bounding
its length and nesting) and each allowed node is turned into a sympy object
here. Numbers become exact rationals, so closed forms and ``ceil``/``floor``
stay exact.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass

import sympy

from ..errors import ExpressionError
from .rounding import CeilTo, extremum, undecidable

MAX_TEXT = 2000
MAX_DEPTH = 40
MAX_NODES = 400
MAX_LITERAL_DIGITS = 40
MAX_POWER_DIGITS = 300
MAX_CONSTANT = 1e300
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}\Z")


def _log2(x):
    return sympy.log(x, 2)


FUNCTIONS = {
    "max": sympy.Max, "min": sympy.Min, "ceil": sympy.ceiling, "floor": sympy.floor,
    "sqrt": sympy.sqrt, "log": sympy.log, "log2": _log2, "exp": sympy.exp,
    "abs": sympy.Abs, "ceil_to": CeilTo,
}
_ARITY = {"max": (1, 64), "min": (1, 64), "ceil": (1, 1), "floor": (1, 1),
          "sqrt": (1, 1), "log": (1, 1), "log2": (1, 1), "exp": (1, 1), "abs": (1, 1),
          "ceil_to": (2, 64)}
COMPARISONS = {ast.LtE: "<=", ast.Lt: "<", ast.GtE: ">=", ast.Gt: ">", ast.Eq: "=="}


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, Python ast (for printing in its own order) and sympy form."""

    text: str
    tree: ast.AST
    expr: sympy.Expr
    names: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """``lhs OP rhs`` for solving: both sides are formulas."""

    text: str
    lhs: Formula
    op: str
    rhs: Formula


_SYMBOLS: dict[str, sympy.Symbol] = {}


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol of a quantity name (one per name, real-valued)."""
    found = _SYMBOLS.get(name)
    if found is None:
        found = _SYMBOLS[name] = sympy.Symbol(name, real=True)
    return found


def _precheck(text: str) -> None:
    if not isinstance(text, str):
        raise ExpressionError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ExpressionError(f"formula longer than {MAX_TEXT} characters",
                              hint="split it into intermediate quantities")
    odd = next((c for c in text if not (c.isascii() and (c.isprintable() or c in " \t"))), None)
    if odd is not None:
        changed = unicodedata.normalize("NFKC", odd) != odd
        raise ExpressionError(f"character {odd!r} (U+{ord(odd):04X}) is not allowed in formulas"
                              + (" (it looks like another character)" if changed else ""),
                              hint="formulas use plain ASCII names, numbers and operators")
    depth = worst = 0
    for char in text:
        if char in "([{":
            depth += 1
            worst = max(worst, depth)
        elif char in ")]}":
            depth -= 1
    if worst > MAX_DEPTH or text.count("**") > 8:
        raise ExpressionError(f"formula nested too deeply (over {MAX_DEPTH} levels or chained '**')",
                              hint="split it into intermediate quantities")


def _number(value) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"only numbers are allowed as literals, not {value!r}",
                              hint="formulas take numbers, names, + - * / ** and whitelisted functions")
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_LITERAL_DIGITS:
            raise ExpressionError("number literal too large",
                                  hint=f"write it with an exponent, e.g. 1e{len(str(abs(value))) - 1}")
        return sympy.Integer(value)
    if not math.isfinite(value) or abs(value) > 1e300:
        raise ExpressionError(f"number literal out of range: {value!r}")
    return sympy.Rational(repr(value))


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    if exponent.is_Number and abs(exponent) > 64:
        raise ExpressionError(f"exponent {exponent} is too large (at most 64)")
    if base.is_Number and exponent.is_Number:
        size = abs(float(exponent)) * math.log10(max(abs(float(base)), 1e-300) or 1)
        if abs(size) > MAX_POWER_DIGITS:
            raise ExpressionError("power too large to compute",
                                  hint="numbers beyond 1e300 are not supported")
    return sympy.Pow(base, exponent)


def _float_call(name: str, values: list[float]) -> float:
    if name == "max":
        return max(values)
    if name == "min":
        return min(values)
    if name == "ceil_to":
        fitting = [v for v in values[1:] if v >= values[0]]
        return min(fitting) if fitting else math.nan
    x = values[0]
    if name in ("ceil", "floor"):
        return float((math.ceil if name == "ceil" else math.floor)(x)) if math.isfinite(x) else x
    return {"sqrt": math.sqrt, "log": math.log, "log2": math.log2, "exp": math.exp, "abs": abs}[name](x)


def _float_binop(op: ast.operator, left: float, right: float) -> float:
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        return left * right
    if isinstance(op, ast.Div):
        return left / right
    result = math.pow(left, right)
    return result


class _Builder:
    def __init__(self, text: str):
        self.text = text
        self.names: list[str] = []
        self.count = 0
        self.approx: dict[int, float] = {}

    def constant(self, node: ast.AST, value: float) -> None:
        """Remember the float value of a constant part; refuse it if not a finite real of bounded size."""
        if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
            part = ast.unparse(node)
            part = part if len(part) <= 60 else part[:60] + "..."
            what = "is not a finite real number" if math.isnan(value) else "is too large (beyond 1e300)"
            raise ExpressionError(f"the constant part {part} {what}",
                                  hint="constants must be finite real numbers up to 1e300 "
                                       "(no log(0), sqrt(-1), exp(exp(20)) or division by zero)")
        self.approx[id(node)] = value

    def value_of(self, node: ast.AST) -> float | None:
        """The float value of a constant part already built, or None if it uses names."""
        return self.approx.get(id(node))

    def shadow(self, node: ast.AST, compute) -> None:
        """Evaluate a constant node in floats before sympy does (sympy may take minutes or gigabytes)."""
        try:
            value = float(compute())
        except OverflowError:
            value = math.inf
        except (ValueError, TypeError, ZeroDivisionError):
            value = math.nan
        self.constant(node, value)

    def build(self, node: ast.AST) -> sympy.Expr:
        self.count += 1
        if self.count > MAX_NODES:
            raise ExpressionError(f"formula has more than {MAX_NODES} parts",
                                  hint="split it into intermediate quantities")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(f"not allowed in formulas: {_describe(node)}",
                                  hint="formulas take numbers, names, + - * / **, parentheses "
                                       f"and the functions {', '.join(FUNCTIONS)}")
        result = method(node)
        if id(node) not in self.approx and (result.is_Number or result in (sympy.zoo, sympy.nan)):
            self.shadow(node, lambda: float(result))  # names that cancel (a ** 0, a - a) leave a constant
        return result

    def _Constant(self, node: ast.Constant) -> sympy.Expr:
        result = _number(node.value)
        self.constant(node, float(result))
        return result

    def _Name(self, node: ast.Name) -> sympy.Expr:
        name = node.id
        if not NAME_RE.match(name):
            raise ExpressionError(f"name {name!r} is not allowed",
                                  hint="names start with a letter and use letters, digits and _")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function; call it as {name}(...)")
        if name not in self.names:
            self.names.append(name)
        return symbol(name)

    def _UnaryOp(self, node: ast.UnaryOp) -> sympy.Expr:
        operand = self.build(node.operand)
        inner = self.value_of(node.operand)
        if inner is not None:
            self.approx[id(node)] = -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")

    def _BinOp(self, node: ast.BinOp) -> sympy.Expr:
        left, right = self.build(node.left), self.build(node.right)
        op = node.op
        a, b = self.value_of(node.left), self.value_of(node.right)
        if a is not None and b is not None and type(op) in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow):
            self.shadow(node, lambda: _float_binop(op, a, b))
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            if right == 0:
                raise ExpressionError("division by the literal 0")
            return left / right
        if isinstance(op, ast.Pow):
            return _power(left, right)
        raise ExpressionError(f"operator {_OPNAMES.get(type(op), type(op).__name__)} is not allowed",
                              hint="use + - * / ** only")

    def _Call(self, node: ast.Call) -> sympy.Expr:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise ExpressionError(f"function {called!r} is not allowed",
                                  hint=f"allowed functions: {', '.join(FUNCTIONS)}")
        name = node.func.id
        if node.keywords:
            raise ExpressionError(f"keyword arguments are not allowed in {name}(...)")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"starred arguments are not allowed in {name}(...)")
        low, high = _ARITY[name]
        if not low <= len(node.args) <= high:
            raise ExpressionError(f"{name}() takes {low}" + (f" to {high}" if high != low else "")
                                  + f" arguments, got {len(node.args)}")
        args = [self.build(a) for a in node.args]
        if name == "ceil_to" and not all(a.is_Number for a in args[1:]):
            raise ExpressionError("ceil_to(x, v1, v2, ...) takes numbers as its allowed values")
        values = [self.value_of(a) for a in node.args]
        if all(v is not None for v in values):
            self.shadow(node, lambda: _float_call(name, values))
            if name in ("ceil", "floor", "ceil_to", "max", "min") and not all(a.is_Rational for a in args):
                return sympy.Integer(int(self.approx[id(node)])) if name in ("ceil", "floor") \
                    else sympy.Rational(repr(self.approx[id(node)]))
        elif name in ("max", "min") or name == "ceil_to" and values[0] is None:
            for value, arg in zip(values, node.args, strict=True):
                if value is not None:
                    self.constant(arg, value)
        if name in ("max", "min"):
            return extremum(name, args)
        if name in ("ceil", "floor") and undecidable(args[0]):
            return FUNCTIONS[name](args[0], evaluate=False)  # what sympy would build, without asking
        return FUNCTIONS[name](*args)


_OPNAMES = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
            ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}


def _describe(node: ast.AST) -> str:
    kinds = {ast.Attribute: "attribute access", ast.Subscript: "subscripts",
             ast.Lambda: "lambdas", ast.List: "lists", ast.Tuple: "tuples",
             ast.Dict: "dicts", ast.Compare: "comparisons", ast.BoolOp: "and/or",
             ast.IfExp: "if/else", ast.JoinedStr: "f-strings", ast.NamedExpr: ":=",
             ast.Starred: "starred arguments", ast.ListComp: "comprehensions",
             ast.GeneratorExp: "generators", ast.Await: "await", ast.Set: "sets"}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "strings"
    return kinds.get(type(node), type(node).__name__)


def _parse_tree(text: str, mode_hint: str) -> ast.AST:
    _precheck(text)
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


def parse_formula(text: str) -> Formula:
    """Parse formula text into a :class:`Formula` (safe: no Python evaluation).

    >>> parse_formula("2 * layers * d_head").names
    ('layers', 'd_head')
    """
    tree = _parse_tree(text, "formula")
    builder = _Builder(text)
    expr = builder.build(tree)
    return Formula(text=text.strip(), tree=tree, expr=expr, names=tuple(builder.names))


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
    sides = []
    for node in (tree.left, tree.comparators[0]):
        builder = _Builder(text)
        expr = builder.build(node)
        sides.append(Formula(text=ast.unparse(node), tree=node, expr=expr,
                             names=tuple(builder.names)))
    return Comparison(text=text.strip(), lhs=sides[0], op=op, rhs=sides[1])
