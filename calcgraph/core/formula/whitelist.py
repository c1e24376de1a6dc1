"""The formula whitelist: ``Builder`` checks an ast node by node (names, numbers, ``+ - * / **``, ``FUNCTIONS``),
bounds sizes, folds constant parts to finite floats, and builds light tuples (``parse``) or sympy (``to_sympy``)."""

from __future__ import annotations

import ast
import math
import operator
import re

from calcgraph.core.formula.floats import CALLS
from calcgraph.errors import ExpressionError

MAX_NODES = 400
MAX_LITERAL_DIGITS = 40
MAX_POWER_DIGITS = 300
MAX_CONSTANT = 1e300
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}\Z")

_ARITY = {"max": (1, 64), "min": (1, 64), "ceil": (1, 1), "floor": (1, 1),
          "sqrt": (1, 1), "log": (1, 1), "log2": (1, 1), "exp": (1, 1), "abs": (1, 1),
          "ceil_to": (2, 64), "erlang_c": (2, 2)}
FUNCTIONS = tuple(_ARITY)  # the functions a formula may call
ROUNDING = ("ceil", "floor", "ceil_to")
COMPARISONS = {ast.LtE: "<=", ast.Lt: "<", ast.GtE: ">=", ast.Gt: ">", ast.Eq: "=="}


def number_text(value: float) -> str:
    """A float as a formula would write it: ``65``, ``0.5``."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else repr(float(value))


_BINOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": math.pow}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%",
              ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
              ast.LShift: "<<", ast.RShift: ">>"}


class Builder:
    """Checks an ast against the whitelist and builds it; ``make`` says what is built (here: tuples).
    ``approx`` holds the float value of every constant part (by ``id`` of its ast node)."""

    def __init__(self):
        self.names: list[str] = []
        self.count = 0
        self.approx: dict[int, float] = {}

    def _value(self, node: ast.AST) -> float | None:
        return self.approx.get(id(node))  # None for a part that uses names

    def shadow(self, node: ast.AST, compute) -> None:
        """Evaluate a constant part in floats (before anything exact is attempted) and remember its value;
        refuse it if not a finite real of bounded size."""
        try:
            value = float(compute())
        except OverflowError:
            value = math.inf
        except (ValueError, TypeError, ZeroDivisionError):
            value = math.nan
        if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
            part = ast.unparse(node)
            what = "is not a finite real number" if math.isnan(value) else "is too large (beyond 1e300)"
            raise ExpressionError(f"the constant part {part[:60]}{'...' * (len(part) > 60)} {what}",
                                  hint="constants must be finite real numbers up to 1e300 "
                                       "(no log(0), sqrt(-1), exp(exp(20)) or division by zero)")
        self.approx[id(node)] = value

    def build(self, node: ast.AST):
        self.count += 1
        if self.count > MAX_NODES:
            raise ExpressionError(f"formula has more than {MAX_NODES} parts",
                                  hint="split it into intermediate quantities")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(f"not allowed in formulas: {_describe(node)}",
                                  hint="formulas take numbers, names, + - * / **, parentheses "
                                       f"and the functions {', '.join(FUNCTIONS)}")
        return method(node)

    def make(self, node: ast.AST, kind: str, *parts):
        """What is built for ``node``: here the light tuple ``(kind, *parts)``, a constant part folded to its float."""
        value = self._value(node)
        return (kind, *parts) if value is None else ("num", value, node)

    # -- the whitelist
    def _Constant(self, node: ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"only numbers are allowed as literals, not {value!r}",
                                  hint="formulas take numbers, names, + - * / ** and whitelisted functions")
        if isinstance(value, int) and len(str(abs(value))) > MAX_LITERAL_DIGITS:
            raise ExpressionError("number literal too large",
                                  hint=f"write it with an exponent, e.g. 1e{len(str(abs(value))) - 1}")
        if isinstance(value, float) and (not math.isfinite(value) or abs(value) > MAX_CONSTANT):
            raise ExpressionError(f"number literal out of range: {value!r}")
        self.shadow(node, lambda: value)
        return self.make(node, "num")

    def _Name(self, node: ast.Name):
        name = node.id
        if not NAME_RE.match(name):
            raise ExpressionError(f"name {name!r} is not allowed",
                                  hint="names start with a letter and use letters, digits and _")
        if name in _ARITY:
            raise ExpressionError(f"{name!r} is a function; call it as {name}(...)")
        if name not in self.names:
            self.names.append(name)
        return self.make(node, "name", name)

    def _UnaryOp(self, node: ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        operand, inner = self.build(node.operand), self._value(node.operand)
        negative = isinstance(node.op, ast.USub)
        if inner is not None:
            self.approx[id(node)] = -inner if negative else inner
        return self.make(node, "neg", operand) if negative else operand

    def _BinOp(self, node: ast.BinOp):
        op = _OPERATORS.get(type(node.op), type(node.op).__name__)
        if op not in _BINOPS:
            raise ExpressionError(f"operator {op} is not allowed", hint="use + - * / ** only")
        left, right = self.build(node.left), self.build(node.right)
        a, b = self._value(node.left), self._value(node.right)
        if a is not None and b is not None:
            self.shadow(node, lambda: _BINOPS[op](a, b))
        elif op == "**" and b == 0:
            self.approx[id(node)] = 1.0  # x ** 0 is 1 whatever x is (as sympy has it)
        if op == "/" and b == 0:
            raise ExpressionError("division by the literal 0")
        if op == "**" and b is not None:
            if abs(b) > 64:
                raise ExpressionError(f"exponent {number_text(b)} is too large (at most 64)")
            if a is not None and abs(b * math.log10(abs(a) or 1.0)) > MAX_POWER_DIGITS:  # 0 ** b has no digits
                raise ExpressionError("power too large to compute", hint="numbers beyond 1e300 are not supported")
        return self.make(node, op, left, right)

    def _Call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _ARITY:
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
        values = [self._value(a) for a in node.args]
        if name == "ceil_to" and any(v is None for v in values[1:]):
            raise ExpressionError("ceil_to(x, v1, v2, ...) takes numbers as its allowed values")
        if all(v is not None for v in values):
            self.shadow(node, lambda: CALLS[name](*values))
        return self.make(node, "call", name, tuple(args), node)


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
