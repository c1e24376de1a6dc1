"""Constraint text -> a checked comparison, for solving: ``"t_step <= 15 ms"``; numbers with units become
named constants in base units before the safe parser reads the text."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import NoReturn

from calcgraph.core.formula.arrays import holds
from calcgraph.core.formula.dimensions import infer_dim, round_in_units
from calcgraph.core.formula.parse import Comparison, parse_comparison
from calcgraph.core.names import suggest
from calcgraph.core.numbers import format_number
from calcgraph.core.quantity import remember
from calcgraph.core.units import DIMENSIONLESS, Unit, convert_value, format_dim, parse_unit
from calcgraph.errors import CalcgraphError, ExpressionError, Location, SolveError, UnitMismatchError, UnknownNameError

_NUMBER_UNIT = re.compile(
    r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)(?![eE][-+]?\d)\s*([A-Za-z][A-Za-z0-9_]*)")
_UNIT_TAIL = re.compile(r"\s*([/*])\s*([A-Za-z][A-Za-z0-9_]*)(\*\*\d)?")
_OPERATOR = re.compile(r"<=|>=|==|<|>")


@dataclass(frozen=True)
class Constraint:
    """``lhs OP rhs`` over quantity names and unit-carrying constants (base units)."""

    text: str
    comparison: Comparison
    constants: tuple  # (name, base value, unit text)
    names: tuple  # quantity names it uses
    where: object
    dim: object = None  # the dimension both sides share
    unit: Unit | None = None  # a unit of that dimension to show its sides in
    left: str = ""  # each side as written (constants with their units)
    right: str = ""

    @property
    def op(self) -> str:
        """The comparison operator: <=, <, >=, > or ==."""
        return self.comparison.op

    def holds(self, lhs, rhs):
        """Whether the constraint holds (``arrays.holds``: non-strict ones forgive a relative HOLD).

        >>> import calcgraph
        >>> c = parse_constraint("t_step <= 15 ms", calcgraph.load().graph.quantities)
        >>> bool(c.holds(0.015, 0.015)), bool(c.holds(0.015 * (1 + 1e-15), 0.015)), bool(c.holds(0.016, 0.015))
        (True, True, False)
        """
        return holds(self.op, lhs, rhs)


def _replace_units(text: str, known: dict) -> tuple[str, list]:
    if len(text) > 2000:
        raise ExpressionError("constraint longer than 2000 characters")
    found, pieces, position = [], [], 0
    for match in _NUMBER_UNIT.finditer(text):
        if match.start() < position:
            continue
        number, first = match.groups()
        if first in known:
            raise ExpressionError(f"{number} {first}: a number followed by the name {first!r}",
                                  hint=f"write {number} * {first}")
        unit_text, end = first, match.end()
        while (tail := _UNIT_TAIL.match(text, end)) and tail.group(2) not in known:  # "/ s", "* chip**2"
            candidate = unit_text + "".join(tail.groups(""))
            try:
                parse_unit(candidate)
            except CalcgraphError:
                break
            unit_text, end = candidate, tail.end()
        unit = parse_unit(unit_text)
        if not math.isfinite(float(number)) or float(number) > 1e300:
            raise ExpressionError(f"number out of range: {number}", hint="numbers up to 1e300")
        found.append((float(number) * unit.factor, unit_text, unit.dim))
        pieces.append(text[position:match.start()])
        position = end
    prefix = "unitconst"  # placeholders: no word of ``text`` starts with the prefix, no quantity bears their name
    while prefix in text or any(f"{prefix}{i}" in known for i in range(len(found))):  # not a pass over ``known``
        prefix += "_"
    constants = [(f"{prefix}{i}", *constant) for i, constant in enumerate(found)]
    return "".join(piece + c[0] for piece, c in zip(pieces, constants, strict=True)) + text[position:], constants


def parse_constraint(text: str, quantities: dict, where: object = None) -> Constraint:
    """Parse and dimension-check one constraint against the graph's ``quantities``.

    >>> import calcgraph
    >>> c = parse_constraint("t_step <= 15 ms", calcgraph.load().graph.quantities)
    >>> c.op, c.names, c.constants[0][1]
    ('<=', ('t_step',), 0.015)
    """
    if not isinstance(text, str) or not text.strip():
        raise SolveError("a constraint must be text such as 'total_memory <= hbm_capacity'", where=where)
    if re.search(r"(?<![<>=!])=(?!=)", text):
        raise SolveError(f"constraint {text.strip()!r} uses '=': write '==' for equality, or <=, >=, <, >",
                         where=where, hint="e.g. \"t_step == 15 ms\" or \"t_step <= 15 ms\"")
    try:
        rewritten, constants = _replace_units(text, quantities)
        comparison = parse_comparison(rewritten)
    except CalcgraphError as exc:
        raise exc.rewrap(f"constraint {text!r}: {exc.message}", where=where) from None
    constant_names = {c[0] for c in constants}
    names = list(dict.fromkeys(n for side in (comparison.lhs, comparison.rhs) for n in side.names
                               if n not in constant_names))
    for name in (n for n in names if n not in quantities):
        raise UnknownNameError(f"constraint {text!r} uses unknown name {name!r}", where=where,
                               hint=suggest(name, quantities), name=name)
    dims = {n: quantities[n].unit.dim for n in names} | {c[0]: c[3] for c in constants}
    try:
        left = infer_dim(comparison.lhs.node, dims)
        right = infer_dim(comparison.rhs.node, dims)
    except UnitMismatchError as exc:
        raise UnitMismatchError(f"constraint {text!r}: {exc.message}", where=where) from None
    if left != right:
        bare = right == DIMENSIONLESS or left == DIMENSIONLESS
        raise UnitMismatchError(
            f"constraint {text!r} compares {format_dim(left)} with {format_dim(right)}", where=where,
            expected=format_dim(left), got=format_dim(right),
            hint="give the number its unit, e.g. 't_step <= 15 ms'" if bare else "compare like with like")
    units = {n: quantities[n].unit for n in names}
    sides = [round_in_units(side, units) for side in (comparison.lhs, comparison.rhs)]
    if sides[0] is not comparison.lhs or sides[1] is not comparison.rhs:
        comparison = replace(comparison, lhs=sides[0], rhs=sides[1])
    pretty = text.strip()
    operator = _OPERATOR.search(pretty)
    unit = next((quantities[n].unit for n in names if quantities[n].unit.dim == left),
                parse_unit(constants[0][2]) if constants else None)
    return Constraint(text=pretty, comparison=comparison,
                      constants=tuple((n, v, u) for n, v, u, _ in constants), names=tuple(names),
                      where=where, dim=left, unit=unit, left=pretty[:operator.start()].strip(),
                      right=pretty[operator.end():].strip())


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHECKED: dict = {}


def checked_constraint(text: str, quantities: dict, where: Location) -> Constraint:
    """``parse_constraint``, kept per text, place (a file:line) and the units of the quantities it names."""
    if not isinstance(text, str):
        return parse_constraint(text, quantities, where)
    key = (text, where, tuple((w, quantities[w].unit) for w in _WORD.findall(text) if w in quantities))
    constraint = _CHECKED.get(key)
    if constraint is None:
        constraint = parse_constraint(text, quantities, where)
        remember(_CHECKED, key, constraint, 4096)
    return constraint


def constant_values(constraint: Constraint) -> dict:
    """The constants' base values by name, to add to an evaluation environment."""
    return {name: value for name, value, _ in constraint.constants}


def substituted(constraint: Constraint) -> tuple:
    """Both sides as sympy expressions with constants written in as exact numbers."""
    import sympy
    values = {sympy.Symbol(n, real=True): sympy.nsimplify(v) for n, v, _ in constraint.constants}
    return constraint.comparison.lhs.expr.xreplace(values), constraint.comparison.rhs.expr.xreplace(values)


def describe_constant(value: float, unit_text: str) -> str:
    """A constant as the user wrote it: ``15 ms``."""
    return f"{format_number(value / parse_unit(unit_text).factor)} {unit_text}"


SOLVE_KEYS = {"for", "where", "integer", "bounds"}


@dataclass(frozen=True)
class SolveSpec:
    """A quantity defined by solving: the extreme ``for_name`` at which every constraint holds."""

    for_name: str
    constraints: tuple
    integer: bool
    bounds: tuple | None  # (low, high) in base units
    where: object


def parse_solve_spec(raw, name: str, unit, quantities: dict) -> SolveSpec:
    """Check a YAML ``solve:`` mapping (a LineDict) of quantity ``name`` against the graph's quantities."""
    def fail(message: str, key: str | None = None, error: type = SolveError, **extra) -> NoReturn:
        raise error(f"solve of {name!r}{message}", where=raw.where(key), **extra)

    extra = [k for k in raw if k not in SOLVE_KEYS]
    if extra:
        fail(f": unknown key {extra[0]!r}", extra[0], hint=f"allowed keys: {', '.join(sorted(SOLVE_KEYS))}")
    for_name = raw.get("for")
    if not isinstance(for_name, str):
        fail(" needs `for:` naming the input to solve for")
    if for_name not in quantities:
        fail(f": unknown input {for_name!r}", "for", UnknownNameError, hint=suggest(for_name, quantities))
    target = quantities[for_name]
    if not target.is_input:
        fail(f": {for_name!r} is computed, not an input", "for", hint="solve for an input it depends on")
    if target.unit.dim != unit.dim:
        fail(f": its unit {unit.text!r} does not fit {for_name!r} ({target.unit.text})", None, UnitMismatchError,
             hint=f"declare unit: {target.unit.text}")
    texts = raw.get("where")
    texts = [texts] if isinstance(texts, str) else texts
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        fail(" needs `where:` with one or more constraints", hint="e.g. where: [\"total_memory <= hbm_capacity\"]")
    constraints = tuple(checked_constraint(t, quantities, raw.where("where")) for t in texts)
    integer = raw.get("integer", False)
    if not isinstance(integer, bool):
        fail(": integer: must be true or false", "integer")
    bounds = raw.get("bounds")
    if bounds is not None:
        if not isinstance(bounds, list) or len(bounds) != 2 or not all(
                isinstance(b, (int, float, str)) and not isinstance(b, bool) for b in bounds):
            fail(": bounds: must be [LOW, HIGH], two numbers (with units)", "bounds", hint="e.g. bounds: [1, 4096]")
        try:
            bounds = tuple(convert_value(b, target.unit, f"a bound of {name!r}")[0] for b in bounds)
        except CalcgraphError as exc:
            raise SolveError(exc.message, where=raw.where("bounds"), hint=exc.hint) from None
        if not bounds[0] < bounds[1]:
            fail(": bounds must rise (LOW < HIGH)", "bounds")
    return SolveSpec(for_name=for_name, constraints=constraints, integer=integer, bounds=bounds, where=raw.where())
