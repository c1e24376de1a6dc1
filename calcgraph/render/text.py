"""Evaluated values -> terminal text: the eval table (floats and cached display scales, no pint per row), the JSON
document, the closed forms; the aligned, Markdown and CSV tables of ``table`` and ``validate``."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import textwrap
import unicodedata
from functools import lru_cache

from calcgraph.core.bulk import paused_gc
from calcgraph.core.numbers import format_number
from calcgraph.core.units import Unit, format_unit, pick_scale, unit_scales
from calcgraph.engine.evaluated import Evaluated, NodeState
from calcgraph.errors import Location, NoSolutionError
from calcgraph.render.values import finite, origin_mark, place, plain_symbol, solve_question

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


def aligned_lines(rows, right=(), last: str | None = None, strip: bool = True) -> list[str]:
    """``rows`` (the header first) in columns two spaces apart, dashes under the header; the columns in
    ``right`` right-aligned. With ``last``, the dashes of a last column that is left unpadded."""
    count = len(rows[0]) - (last is not None)
    widths = [max(_width(r[i]) for r in rows) for i in range(count)]
    rule = "  ".join(["-" * w for w in widths] + ([last] if last else []))
    lines = ["  ".join([_pad(row[i], w, i in right) for i, w in enumerate(widths)] + list(row[count:])) for row in rows]
    return [line.rstrip() if strip else line for line in lines[:1] + [rule] + lines[1:]]


def md_lines(rows, aligns) -> list[str]:
    """``rows`` (the header first) as a GitHub Markdown table, ``aligns`` each column's rule (``---``, ``--:``)."""
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines[:1] + ["|" + "|".join(aligns) + "|"] + lines[1:]


def csv_text(rows) -> str:
    """``rows`` (the header first) as CSV text."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@lru_cache(maxsize=4096)
def display_scales(unit: Unit, display: Unit | None) -> tuple:
    """The display data of a unit (``eval_table``): the units a value of it may be shown in, with factors.

    >>> from calcgraph.core.units import parse_unit
    >>> display_scales(parse_unit("B/token"), None)[:3]
    ((1.0, 'B/tok'), (1.0, 'B/tok'), (1000.0, 'kB/tok'))
    """
    if display is not None:
        return ((display.factor, format_unit(display.pint_unit)),)
    return ((unit.factor, format_unit(unit.pint_unit)),) + tuple((f, format_unit(u)) for f, u in unit_scales(unit))


def eval_names(ev, names=None, everything: bool = False) -> list[str]:
    """The rows of ``eval``: ``names`` if given, else the scenario's ``report:`` list (all with ``everything``).

    >>> import calcgraph
    >>> eval_names(calcgraph.load().evaluated)[:2]
    ['kv_per_token', 'kv_cache_bytes']
    """
    if names:
        return list(names)
    return ev.names() if everything or not ev.spec.report else list(ev.spec.report)


def eval_title(ev) -> str:
    """The scenario's title with the variant and the ``--set`` values in force appended.

    >>> import calcgraph
    >>> from calcgraph.core.bind import parse_set_arg
    >>> eval_title(calcgraph.load(sets=[parse_set_arg("batch=64", origin="--set")]).evaluated)[-15:]
    '(with batch=64)'
    """
    title = ev.spec.title + (f" [variant {ev.scenario.variant}]" if ev.scenario.variant else "")
    given = [f"{e.name}={e.value}" for e in ev.scenario.entries if e.origin == "--set"]
    return title + (f" (with {', '.join(given)})" if given else "")


def eval_table(ev, names=None, everything: bool = False) -> str:
    """A plain-text table of ``eval_names``: name, symbol, value, unit, origin, within the terminal's width."""
    cells, states = [("name", "symbol", "value", "unit", "from")], set()
    with paused_gc():  # thousands of rows that all stay alive
        for name in eval_names(ev, names, everything):
            value, quantity, state = float(ev.values[name]), ev.graph[name], ev.states[name].value
            scales = display_scales(quantity.unit, quantity.display)
            scaled = len(scales) > 1 and math.isfinite(value) and value != 0
            factor, unit = pick_scale(value, scales[1:]) if scaled else scales[0]
            number = {"unknown": "unknown", "no answer": "none"}.get(state) or format_number(float(value / factor), 5)
            cells.append((name, plain_symbol(quantity.symbol), number + MARKS.get(state, ""), unit,
                          origin_mark(ev, name)))
            states.add(state)
    columns = max(60, shutil.get_terminal_size((WIDTH, 24)).columns)  # COLUMNS when set; at least 60
    room = max(6, columns - sum(max(_width(r[i]) for r in cells) for i in range(4)) - 2 * 4)
    short = any(_width(row[4]) > room for row in cells[1:])  # one path style in the whole column
    cells[1:] = [row[:4] + (_fit(row[4], room, short),) for row in cells[1:]]
    marks = [f"{m} {what}" for m, state, what in (("*", "pinned", "pinned (its formula not used)"),
                                                  ("=", "solved", "solved")) if state in states]
    total = len(ev.names())
    more = "" if len(cells) - 1 == total else f"{len(cells) - 1} of {total} quantities; --all for every one"
    footer = "; ".join(filter(None, [", ".join(marks), more]))
    head = "\n".join(textwrap.wrap(eval_title(ev), columns)) or ev.spec.path
    return (f"{head}\n{place(Location(ev.spec.path))}\n\n" + "\n".join(aligned_lines(cells, right={2}, last="----"))
            + "\n" + (f"\n{footer}\n" if footer else ""))


def _form(ev: Evaluated, name: str, memo: dict) -> str:
    from calcgraph.engine.symbolic import closed_form_text  # sympy: only the symbolic table needs it
    state = ev.states[name]
    if state is NodeState.PINNED:
        return f"{ev.scenario.bound[name].text}    (pinned at {ev.scenario.bound[name].where})"
    if state not in (NodeState.SOLVED, NodeState.NO_ANSWER):
        return closed_form_text(ev, name, memo)
    try:
        result = ev.solve_details(name)
    except NoSolutionError:
        return f"(no value: the extreme {solve_question(ev, name)})"
    if result.closed_form is not None:
        return str(result.closed_form)
    return f"the {result.direction} {solve_question(ev, name)} (no closed form)"


def symbolic_table(ev, names=None) -> str:
    """Each computed quantity as a closed form in the inputs (sympy's text), one per line; a closed form
    past the symbolic budget (engine/budget.py) is a short note instead."""
    memo: dict = {}  # closed forms built once for the whole table
    return "\n".join(f"{n} = {_form(ev, n, memo)}" for n in (names or ev.names()) if not ev.graph[n].is_input) + "\n"


def eval_json(ev, names=None) -> str:
    """The contract JSON: ``{"values": {name: {"value": number, "unit": "..."}}}`` in declared units."""
    units = {name: ev.graph[name].unit for name in names or ev.names()}
    values = {name: {"value": finite(float(ev.values[name] / unit.factor)),  # NaN or infinite: null, as JSON has
                     "unit": format_unit(unit.pint_unit) or "dimensionless"} for name, unit in units.items()}
    return json.dumps({"scenario": ev.spec.path, "variant": ev.scenario.variant, "values": values,
                       "pinned": list(ev.pinned)}, indent=2, allow_nan=False)
