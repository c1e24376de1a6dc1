"""The eval table and JSON from floats and precomputed display data (``render.text`` feeds it).

Standard library only: no pint round-trip per row, no sympy.

Display data of a quantity: ``scales``, the units it may be shown in, each
``[factor to base units, text]``; one entry is a fixed unit, more are a family
(B, kB, MB, ...) from which the value picks its human scale, as
``core.units.display_unit`` does.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import textwrap
import unicodedata

from calcgraph.core.numbers import format_number
from calcgraph.errors import Location

WIDTH = 100   # the eval table fits a terminal of this many columns
MARKS = {"pinned": " *", "solved": " =", "no answer": " ="}


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (combining accents take none)."""
    if text.isascii():
        return len(text)
    return sum(not unicodedata.combining(c) for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def width() -> int:
    """Columns of the eval table: the terminal's (``COLUMNS`` when set), else 100; at least 60."""
    return max(60, shutil.get_terminal_size((WIDTH, 24)).columns)


def _short(origin: str) -> str:
    """``origin`` with the folders of its paths dropped: ``preset: llama3-70b.yaml:5``."""
    return re.sub(r"(?:[^\s:(]*/)+([^/\s]+:\d+)", r"\1", origin).replace(": give it a value", "")


def _fit(origin: str, room: int, short: bool = False) -> str:
    """``origin`` within ``room`` columns: folders dropped from its paths (all rows alike: ``short``),
    then cut with an ellipsis."""
    if short:
        origin = _short(origin)
    if _width(origin) <= room:
        return origin
    if re.fullmatch(r"\w+: \S+:\d+", origin) and room < 24:  # a narrow terminal: the file:line matters more
        origin = origin.split(": ", 1)[1]
    cut = re.fullmatch(r"(.*?)([^\s/]+)(:\d+)", origin)    # keep the kind and the line, shorten the file
    if cut and len(cut.group(1)) + len(cut.group(3)) + 4 <= room:
        keep = room - len(cut.group(1)) - len(cut.group(3)) - 1
        return cut.group(1) + cut.group(2)[:keep] + "…" + cut.group(3)
    return origin[:room - 1] + "…"


def place(where) -> str:
    """A file:line (or argument) for display: the path relative to the working directory, normalised
    (``scratch/../formulas/x.yaml`` -> ``formulas/x.yaml``); absolute when far outside it.

    >>> place(Location("scratch/../formulas/model.yaml", 5))
    'formulas/model.yaml:5'
    """
    if not isinstance(where, Location):
        return str(where)
    path = os.path.abspath(where.file)
    rel = os.path.relpath(path)
    shown = path if rel.startswith(os.pardir + os.sep + os.pardir) else rel
    return f"{shown}:{where.line}" if where.line else shown


NO_VALUE = "no value satisfies the constraints"  # = errors.NoSolutionError.reason


def origin_text(state: str, origin: str | None, placed: str | None, missing=(), reason: str | None = None) -> str:
    """How a value came to be, from its state (a NodeState value) and its binding (origin, placed where).

    >>> origin_text("input", "default", "formulas/model.yaml:5"), origin_text("unknown", None, None, ["price"])
    ('default: formulas/model.yaml:5', 'unknown: needs price')
    """
    if state == "unknown":
        if origin is not None:
            return f"unknown at {placed}: give it a value"
        return "unknown: needs " + ", ".join(missing)
    if state == "solved":
        return "solved"
    if state == "no answer":
        return "solved: no value satisfies the constraints" if reason in (None, NO_VALUE) \
            else f"solved: no answer, {reason}"
    if state == "pinned":
        return f"pinned: {placed}"
    if state == "formula":
        return ""
    if origin == "default":
        return f"default: {placed}"
    return f"{origin}: {placed}" if origin != "scenario" else f"set: {placed}"


def pick_scale(value: float, scales) -> tuple[float, str]:
    """The (factor, unit text) ``value`` (base units) is shown in: the fixed unit, or its human scale.

    >>> pick_scale(4.2e10, [[1.0, "B"], [1e3, "kB"], [1e6, "MB"], [1e9, "GB"], [1e12, "TB"]])
    (1000000000.0, 'GB')
    """
    if len(scales) == 1 or not math.isfinite(value) or value == 0:
        return tuple(scales[0])
    chosen = None
    for factor, text in scales[1:]:
        ratio = abs(value) / factor
        if chosen is None or ratio >= 1 - 1e-9:
            chosen = (factor, text)
        if ratio < 1000:
            break
    return chosen


def shown_text(value: float, scales, digits: int = 5) -> tuple[str, str]:
    """(number, unit) of a base-unit ``value`` in its display scale: the text of ``core.units.shown_parts``."""
    factor, unit = pick_scale(value, scales)
    return format_number(float(value / factor), digits), unit


def title_text(title: str, given) -> str:
    """The title with the ``--set`` settings in force (``given``: their ``NAME=VALUE`` texts) appended."""
    return title + (f" (with {', '.join(given)})" if given else "")


def table_text(title: str, path: str, rows, total: int) -> str:
    """The eval table: ``rows`` of (name, symbol, number, unit, origin, state); ``total`` quantities exist."""
    cells = [("name", "symbol", "value", "unit", "from")]
    for name, symbol, number, unit, origin, state in rows:
        if state in ("unknown", "no answer"):
            number = "unknown" if state == "unknown" else "none"
        cells.append((name, symbol, number + MARKS.get(state, ""), unit, origin))
    widths = [max(_width(r[i]) for r in cells) for i in range(4)]
    columns = width()
    room = max(6, columns - sum(widths) - 2 * 4)
    short = any(_width(row[4]) > room for row in cells[1:])  # one path style in the whole column
    lines = []
    for index, row in enumerate(cells):
        parts = [_pad(row[0], widths[0]), _pad(row[1], widths[1]), _pad(row[2], widths[2], right=True),
                 _pad(row[3], widths[3]), _fit(row[4], room, short and index > 0)]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    states = {row[5] for row in rows}
    marks = [f"{m} {what}" for m, state, what in (("*", "pinned", "pinned (its formula not used)"),
                                                  ("=", "solved", "solved")) if state in states]
    more = "" if len(rows) == total else f"{len(rows)} of {total} quantities; --all for every one"
    footer = "; ".join(filter(None, [", ".join(marks), more]))
    head = "\n".join(textwrap.wrap(title, columns)) or path
    return (f"{head}\n{place(Location(path))}\n\n" + "\n".join(lines) + "\n"
            + (f"\n{footer}\n" if footer else ""))


def json_text(path: str, variant: str | None, values, pinned) -> str:
    """The contract JSON from (name, value in the declared unit, unit text) triples."""
    shown = {name: {"value": value if value == value else None, "unit": unit}  # NaN (no solution) -> null
             for name, value, unit in values}
    return json.dumps({"scenario": path, "variant": variant, "values": shown, "pinned": list(pinned)}, indent=2)
