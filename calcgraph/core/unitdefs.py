"""Units a module declares in YAML (``units:``): each line checked, then added to the process's one registry
(known to later scenarios too); a line never redefines a unit calcgraph or an earlier module knows."""

from __future__ import annotations

import math
import re

import pint

from calcgraph.core.units import _NUMBER, _check_unit_text, _short, parse_unit, ureg
from calcgraph.errors import UnitError

_UNIT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_DIMENSION = re.compile(r"\[([A-Za-z][A-Za-z0-9_]{0,31})\]")
MAX_DEFINITION_TEXT = 200
_DEFINED: dict[str, str] = {}   # unit name -> the definition text that added it (from a module's units:)


def _known_unit(name: str) -> bool:
    try:
        return bool(ureg.parse_unit_name(name))
    except (ValueError, AttributeError, pint.errors.PintError):
        return False


def define_unit(line: str) -> str:
    """Add one checked ``units:`` line (``NAME = [FACTOR *] UNIT [= ALIAS]...`` or ``NAME = [DIMENSION]
    [= ALIAS]...``) to the registry, never as written; the same line read again is accepted. Returns NAME.

    >>> define_unit("pod_example = 72 * chip = pods_example")
    'pod_example'
    >>> parse_unit("chip/pod_example").factor
    0.013888888888888888
    """
    if not isinstance(line, str) or len(line) > MAX_DEFINITION_TEXT:
        raise UnitError(f"a units: entry must be a line of at most {MAX_DEFINITION_TEXT} characters",
                        hint="write e.g. 'rack = 72 * chip' or 'widget = [widget]'")
    parts = [part.strip() for part in line.split("=")]
    if len(parts) < 2 or not all(parts):
        raise UnitError(f"cannot read unit definition {_short(line)}",
                        hint="write NAME = DEFINITION, e.g. 'rack = 72 * chip' or 'widget = [widget] = widgets'")
    name, definition, aliases = parts[0], parts[1], parts[2:]
    for word in [name, *aliases]:
        if not _UNIT_NAME.fullmatch(word):
            raise UnitError(f"unit name {_short(word)} in {_short(line)} is not a plain name",
                            hint="unit names are letters, digits and '_', starting with a letter")
    normal = " = ".join(parts)
    if _DEFINED.get(name) == normal:
        return name
    for word in [name, *aliases]:
        if word in _DEFINED or _known_unit(word):
            raise UnitError(f"unit {word!r} already exists: a units: line adds units, it never redefines one",
                            hint=f"choose another name than {word!r}")
    dimension = _DIMENSION.fullmatch(definition)
    if dimension:
        text = f"{name} = [{dimension.group(1)}]"
    else:
        match = re.fullmatch(rf"({_NUMBER.pattern})\s*\*\s*(.+)", definition)
        factor, unit_text = (float(match.group(1)), match.group(2)) if match else (1.0, definition)
        if not math.isfinite(factor) or factor <= 0:
            raise UnitError(f"unit definition {_short(line)}: the factor must be a positive number")
        unit = parse_unit(unit_text)
        text = f"{name} = {factor!r} * {_check_unit_text(unit.text)}" if unit.text not in ("", "1") \
            else f"{name} = {factor!r}"
    ureg.define(" = ".join([text, *aliases]))
    _DEFINED.update(dict.fromkeys([name, *aliases], normal))
    return name
