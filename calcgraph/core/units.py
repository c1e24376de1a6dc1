"""The one unit registry, safe unit parsing, dimensions and display: pint only at the edges, numbers flow
through the graph as plain magnitudes in base units (byte, second, FLOP, token, sequence, chip, USD)."""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pint
from pint.util import UnitsContainer

from calcgraph.core.numbers import format_number
from calcgraph.errors import UnitError, UnitMismatchError

DEFINITIONS = Path(__file__).with_name("units.txt")
ureg = pint.UnitRegistry(str(DEFINITIONS), autoconvert_offset_to_baseunit=False, cache_folder=None)
Dim = UnitsContainer
DIMENSIONLESS = UnitsContainer()

MAX_UNIT_TEXT = 100
_UNIT_TOKEN = re.compile(r"\s*(?:([A-Za-zµ_%][A-Za-z0-9_µ]*)|(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(\*\*|\^|[*/()]))",
                         re.ASCII)
_NUMBER = re.compile(r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)  # 3, not ٣
MAX_VALUE_TEXT = 200
_NUM = (int, float)


def _short(text: str, limit: int = 40) -> str:
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


@dataclass(frozen=True)
class Unit:
    """A declared unit: its text, pint unit, dimension and factor to base units."""

    text: str
    pint_unit: pint.Unit
    dim: UnitsContainer
    factor: float

    def __str__(self) -> str:
        return self.shown

    def __hash__(self) -> int:  # equal units have equal text and factor: no pint hashing per lookup
        return hash((self.text, self.factor))

    @cached_property
    def shown(self) -> str:
        """The unit as every output writes it (``format_unit``), worked out once."""
        return format_unit(self.pint_unit)


def _check_unit_text(text: str) -> str:
    if len(text) > MAX_UNIT_TEXT:
        raise UnitError(f"unit text longer than {MAX_UNIT_TEXT} characters: {text[:40]!r}...")
    pos, pieces = 0, []
    while pos < len(text):
        match = _UNIT_TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise UnitError(f"cannot read unit {text!r} at {text[pos:]!r}",
                            hint="write units like 'GB', 'B/s/chip', 'FLOP/s', 'USD/chip/hour'")
        token = match.group().strip()
        pieces.append({"%": "percent", "^": "**"}.get(token, token))
        pos = match.end()
    return " ".join(pieces)


def _build(node: ast.AST, text: str):
    if isinstance(node, ast.Name):
        try:
            return ureg.Unit(node.id)
        except (pint.errors.UndefinedUnitError, AttributeError, ValueError):
            raise UnitError(f"unknown unit {node.id!r} in {text!r}",
                            hint="see calcgraph/core/units.txt for the units calcgraph knows "
                                 "(B, GB, GiB, s, ms, FLOP, token, sequence, chip, USD, hour, ...)") from None
    if isinstance(node, ast.Constant) and type(node.value) in _NUM:  # not True (a bool)
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        left, right, div = _build(node.left, text), _build(node.right, text), isinstance(node.op, ast.Div)
        if div and isinstance(right, _NUM) and right == 0:
            raise UnitError(f"unit {text!r} divides by zero", hint="write units like 'B/s', not 'B/0'")
        one_per = isinstance(left, _NUM) and left == 1  # "1/s" is read as per second
        if (isinstance(right, _NUM) or isinstance(left, _NUM)) and not one_per:
            raise UnitError(f"unit {text!r} carries a number; put numbers in the value",
                            hint="write '5e9 B', not '5e9*B' or 'B/1000'")
        return left / right if div else left * right
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):  # no '-' gets past _check_unit_text
        exponent = node.right
        if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int) and exponent.value <= 12):
            raise UnitError(f"unit exponent must be a small whole number in {text!r}")
        return _build(node.left, text) ** exponent.value
    raise UnitError(f"cannot read unit {text!r}",
                    hint="units use names, numbers, '*', '/', '**' and parentheses")


@lru_cache(maxsize=2048)
def _parse_unit_cached(text: str) -> Unit:
    cleaned = text.strip()
    if cleaned in ("", "1", "dimensionless"):
        unit = ureg.Unit("")
    else:
        safe = _check_unit_text(cleaned)
        if safe.startswith("/"):
            safe = "1 " + safe
        try:
            tree = ast.parse(safe, mode="eval")
        except SyntaxError:
            raise UnitError(f"cannot read unit {text!r}",
                            hint="units use names, '*', '/', '**' and parentheses") from None
        unit = _build(tree.body, text)
        if isinstance(unit, _NUM):
            if unit != 1:
                raise UnitError(f"unit {text!r} is a number, not a unit")
            unit = ureg.Unit("")
        if isinstance(unit, pint.Quantity):  # "1/s": its magnitude is 1 (_build refuses any other number)
            unit = unit.units
    factor = float(ureg.Quantity(1.0, unit).to_base_units().magnitude)
    return Unit(text=cleaned, pint_unit=unit, dim=unit.dimensionality, factor=factor)


def parse_unit(text: str) -> Unit:
    """Parse a unit string safely (no pint parser on raw text).

    >>> parse_unit("GB").factor
    1000000000.0
    """
    return _parse_unit_cached(text if isinstance(text, str) else str(text))


def parse_quantity(text: str | int | float) -> tuple[float, Unit | None]:
    """Split ``"NUMBER UNIT"`` into the number and its unit (None if none given).

    >>> parse_quantity("8.2e11 B/s/chip")[0]
    820000000000.0
    """
    return _parse_text(text) if type(text) is str and len(text) <= MAX_VALUE_TEXT else _parse_quantity(text)


def _parse_quantity(text) -> tuple[float, Unit | None]:
    if isinstance(text, bool) or not isinstance(text, (int, float, str)):
        kind = {"LineDict": "a mapping", "list": "a list", "NoneType": "nothing"}.get(
            type(text).__name__, type(text).__name__)
        raise UnitError(f"expected a number with an optional unit, got {kind}",
                        hint="write e.g. 32, '8.2e11 B/s/chip' or '15 ms'")
    if isinstance(text, int) and abs(text) > 10 ** 300:
        raise UnitError("number out of range: more than 300 digits", hint="numbers up to 1e300")
    if isinstance(text, (int, float)):
        number, unit = float(text), None
    else:
        if len(text) > MAX_VALUE_TEXT:
            raise UnitError(f"value text longer than {MAX_VALUE_TEXT} characters: {_short(text)}",
                            hint="write e.g. '32', '8.2e11 B/s/chip' or '15 ms'")
        stripped = text.strip()
        match = _NUMBER.match(stripped)
        if not match:
            raise UnitError(f"expected a number with an optional unit, got {_short(text)}",
                            hint="write e.g. '32', '8.2e11 B/s/chip' or '15 ms'")
        number = float(match.group(0).replace("_", ""))  # always a float's text: _NUMBER is a subset of float()'s
        unit_text = stripped[match.end():].strip()
        unit = parse_unit(unit_text) if unit_text else None
    if not math.isfinite(number) or abs(number) > 1e300:
        raise UnitError(f"number out of range: {_short(str(text))}", hint="numbers up to 1e300")
    return number, unit


_parse_text = lru_cache(maxsize=4096)(_parse_quantity)  # the same text, the same answer: scenarios share most


def format_dim(dim: UnitsContainer) -> str:
    """A dimension as people read it: ``[information] / [token]`` or ``dimensionless``."""
    return str(dim) if dim else "dimensionless"


def format_unit(unit: pint.Unit) -> str:
    """Short, pint-parseable unit text in declared order: ``GB/s/chip``."""
    num, den = [], []
    for name, power in unit._units.items():
        symbol = "%" if (symbol := ureg.get_symbol(name)) == "percent" else symbol
        (num if power > 0 else den).append(symbol if abs(power) == 1 else f"{symbol}**{abs(power):g}")
    text = "*".join(num) if num else ("1" if den else "")
    return text + "".join(f"/{d}" for d in den)


_FAMILIES = {
    "byte": ["B", "kB", "MB", "GB", "TB", "PB", "EB"],
    "ibibyte": ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"],  # a leading binary byte unit keeps binary scales
    "flop": ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"],
    "second": ["ns", "us", "ms", "s"],
}


@lru_cache(maxsize=4096)
def unit_scales(unit: Unit) -> tuple:
    """(factor to base units, pint unit) of each human scale of ``unit`` (its leading unit prefixed),
    smallest first; () when it has none."""
    lead = next((name for name, power in unit.pint_unit._units.items() if power > 0), None)
    root = ureg.get_root_units(lead)[1]._units if lead else {}
    family = _FAMILIES.get(next(iter(root), "")) if len(root) == 1 else None
    if family is None:
        return ()
    family = _FAMILIES["ibibyte"] if lead.endswith("ibibyte") else family
    rest = unit.pint_unit / ureg.Unit(lead)
    return tuple((float(ureg.Quantity(1.0, u).to_base_units().magnitude), u)
                 for u in (rest * ureg.Unit(symbol) for symbol in family))


def pick_scale(base_value: float, scales) -> tuple:
    """The (factor, unit) of ``scales`` (smallest first) ``base_value`` is shown in: the largest it reaches.

    >>> pick_scale(4.2e10, [[1.0, "B"], [1e3, "kB"], [1e6, "MB"], [1e9, "GB"], [1e12, "TB"]])
    (1000000000.0, 'GB')
    """
    chosen = None
    for factor, unit in scales:
        ratio = abs(base_value) / factor
        if chosen is None or ratio >= 1 - 1e-9:
            chosen = (factor, unit)
        if ratio < 1000:
            break
    return chosen


def display_unit(unit: Unit, base_value: float) -> pint.Unit:
    """Pick a human scale for ``base_value``: prefix the declared unit's leading unit."""
    scales = unit_scales(unit) if math.isfinite(base_value) and base_value != 0 else ()
    return pick_scale(base_value, scales)[1] if scales else unit.pint_unit


def to_unit(base_value, unit: Unit | pint.Unit):
    """Convert a base-unit magnitude (scalar or array) to ``unit``."""
    pint_unit = unit.pint_unit if isinstance(unit, Unit) else unit
    return base_value / ureg.Quantity(1.0, pint_unit).to_base_units().magnitude


UNKNOWN = "unknown"
COUNT_DIMS = frozenset({"[token]", "[sequence]", "[chip]"})


def needs_unit(unit: Unit) -> bool:
    """True when a bare number is refused for ``unit`` (bytes, seconds, FLOPs, money and their rates), false
    for counts (tokens, sequences, chips), plain numbers and their ratios.

    >>> needs_unit(parse_unit("B/s/chip")), needs_unit(parse_unit("token/sequence"))
    (True, False)
    """
    return any(key not in COUNT_DIMS for key in unit.dim)


def convert_value(raw, unit: Unit, what: str, strict: bool = True,
                  example_unit: Unit | None = None) -> tuple[float, str]:
    """A YAML/CLI value in ``unit``'s base magnitude, and its text; ``unknown`` gives NaN. A bare number is
    read in ``unit`` only when ``needs_unit`` says no; else a unit is required (a bare 0 too, when ``strict``)."""
    if isinstance(raw, str) and raw.strip() == UNKNOWN:
        return math.nan, UNKNOWN
    number, given = parse_quantity(raw)
    if given is None and needs_unit(unit) and (strict or number != 0):
        shown = example_unit if example_unit is not None else unit
        raise UnitError(f"{what} needs a unit: a bare number {_short(str(raw))} is not read as "
                        f"{unit.text} ({format_dim(unit.dim)})",
                        hint=f"write it with its unit, e.g. \"{format_number(number * unit.factor / shown.factor, 5)} "
                             f"{shown.text}\" (declared unit: {unit.text})")
    if given is None:
        return number * unit.factor, f"{raw} {unit}".strip() if not isinstance(raw, str) else raw
    if given.dim != unit.dim:
        raise UnitMismatchError(
            f"{what} is given in {given.text!r} ({format_dim(given.dim)}) but its unit is "
            f"{unit.text!r} ({format_dim(unit.dim)})", expected=format_dim(unit.dim),
            got=format_dim(given.dim),
            hint=f"give it in a unit of {format_dim(unit.dim)}, e.g. {unit.text}")
    return number * given.factor, str(raw)


def shown_parts(base_value: float, unit: Unit, display: Unit | None = None, digits: int = 5) -> tuple[str, str]:
    """(number, unit) text of a base-unit value, in ``display`` if given, else a human scale of ``unit``:
    the one way every output shows a value.

    >>> shown_parts(4.2e10, parse_unit("B"))
    ('42', 'GB')
    """
    target = display.pint_unit if display is not None else display_unit(unit, float(base_value))
    return format_number(float(to_unit(base_value, target)), digits), format_unit(target)
