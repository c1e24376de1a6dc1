"""Checked light trees -> straight-line source by one template walk (``emit``): Python floats for the fast
evaluator (what Python refuses where numpy gives inf or NaN raises), the page's JavaScript, ``evaluate``'s numpy."""

from __future__ import annotations

import math

__all__ = ["PYTHON", "Unsupported", "emit", "literal", "power_kind", "source"]


class Unsupported(Exception):
    """A formula this generator does not translate (the caller keeps the exact evaluator)."""


def literal(value: float, unknown: bool = False) -> str:
    """A finite float as exact Python source (NaN too, as ``_nan``, when ``unknown`` may be NaN)."""
    value = float(value)
    if unknown and value != value:
        return "_nan"
    if not math.isfinite(value):
        raise Unsupported(f"non-finite constant {value}")
    return f"({value!r})"


def power_kind(exponent: tuple) -> int | str:
    """How ``x ** exponent`` is computed, the same by every evaluator: a whole exponent k (|k| <= 64)
    as an integer power (``1 / x**-k`` when negative), ``"sqrt"`` for 0.5, else ``"pow"``."""
    if exponent[0] == "num":
        if float(exponent[1]).is_integer() and abs(exponent[1]) <= 64:
            return int(exponent[1])
        if exponent[1] == 0.5:
            return "sqrt"
    return "pow"


# A target language: a template per node kind and function ({0}, {1}: the operands; {args}: all of them; or a
# function of the operands, as evaluate.NUMPY's closures), "num" its number literals, "sorted" whether
# ceil_to's values are sorted, "language" for messages.
PYTHON = {"language": "Python", "num": literal, "sorted": True, "neg": "(-{0})",
          **{op: f"({{0}} {op} {{1}})" for op in "+-*/"},
          "sqrt": "_sqrt({0})", "pow": "_pow({0}, {1})", "ipow": "_ipow({0}, {1})", "1/ipow": "(1.0 / _ipow({0}, {1}))",
          "ceil": "_ceil({0})", "floor": "_floor({0})", "ceil_to": "_ceil_to({0}, ({1},))",
          "log2": "(_log({0}) / _log(2.0))", "erlang_c": "_erlang_c({0}, {1})", "abs": "abs({0})",
          **{f: f"_{f}({{args}})" for f in ("max", "min", "exp", "log")}}


def emit(node: tuple, target: dict, name) -> str:
    """Source computing a light tree in ``target``'s language; ``name`` gives each quantity name's source."""
    kind = node[0]
    if kind == "name":
        return name(node[1])
    if kind == "num":
        return target["num"](node[1])
    args = node[1:]
    if kind == "**":
        power = power_kind(node[2])
        kind = power if power in ("sqrt", "pow") else "ipow" if power >= 0 else "1/ipow"
        args = node[1:] if power == "pow" else node[1:2]
    elif kind == "call":
        kind, args = node[1], node[2]  # a call takes the template of its function
    if kind not in target:
        raise ValueError(f"no {target['language']} for {kind!r}")
    operands = [emit(a, target, name) for a in (args[:1] if kind == "ceil_to" else args)]
    if kind == "ceil_to":
        values = [float(a[1]) for a in args[1:]]
        values = sorted(values) if target["sorted"] else values
        operands.append(values if callable(target["ceil_to"]) else ", ".join(map(target["num"], values)))
    elif kind in ("ipow", "1/ipow"):
        operands.append(abs(power))
    template = target[kind]
    return template(*operands) if callable(template) else template.format(*operands, args=", ".join(map(str, operands)))


def source(node: tuple, local: dict) -> str:
    """Python source computing a light tree; ``local`` maps each quantity name to its source (a local or literal)."""

    def name(n: str) -> str:
        try:
            return local[n]
        except KeyError:
            raise Unsupported(f"no value for {n}") from None
    return emit(node, PYTHON, name)
