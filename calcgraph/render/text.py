"""Evaluated values -> terminal text: the eval table, the JSON document, the closed forms."""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata

from ..core.units import format_unit, to_unit
from ..engine.evaluated import Evaluated, NodeState
from ..engine.symbolic import closed_form
from ..errors import Location, NoSolutionError
from .values import origin_mark, place, plain_symbol, shown, solve_question

WIDTH = 100   # the eval table fits a terminal of this many columns


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (combining accents take none)."""
    return sum(not unicodedata.combining(c) for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _fit(origin: str, room: int) -> str:
    """``origin`` within ``room`` columns: folders dropped from its paths first, then cut with an ellipsis."""
    if _width(origin) > room:
        origin = re.sub(r"(?:[^\s:(]*/)+([^/\s]+:\d+)", r"\1", origin).replace(": give it a value", "")
    if _width(origin) <= room:
        return origin
    cut = re.fullmatch(r"(.*?)([^\s/]+)(:\d+)", origin)    # keep the kind and the line, shorten the file
    if cut and len(cut.group(1)) + len(cut.group(3)) + 4 <= room:
        keep = room - len(cut.group(1)) - len(cut.group(3)) - 1
        return cut.group(1) + cut.group(2)[:keep] + "…" + cut.group(3)
    return origin[:room - 1] + "…"


def eval_names(ev, names=None, everything: bool = False) -> list[str]:
    """The rows of ``eval``: ``names`` if given, else the scenario's ``report:`` list (all with ``everything``).

    >>> import calcgraph
    >>> eval_names(calcgraph.load().evaluated)[:2]
    ['kv_per_token', 'kv_cache_bytes']
    """
    if names:
        return list(names)
    if everything or not ev.spec.report:
        return ev.names()
    return list(ev.spec.report)


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
    """A plain-text table of ``eval_names``: name, symbol, value, unit, origin, within 100 columns."""
    rows = [("name", "symbol", "value", "unit", "from")]
    for name in eval_names(ev, names, everything):
        number, unit = shown(ev, name)
        if ev.states[name] in (NodeState.UNKNOWN, NodeState.NO_ANSWER):
            number = "unknown" if ev.states[name] is NodeState.UNKNOWN else "none"
        mark = {NodeState.PINNED: " *", NodeState.SOLVED: " =", NodeState.NO_ANSWER: " ="}.get(ev.states[name], "")
        rows.append((name, plain_symbol(ev.graph[name].symbol), number + mark, unit, origin_mark(ev, name)))
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    room = max(20, WIDTH - sum(widths) - 2 * 4)
    lines = []
    for index, row in enumerate(rows):
        origin = _fit(row[4], room)
        cells = [_pad(row[0], widths[0]), _pad(row[1], widths[1]), _pad(row[2], widths[2], right=True),
                 _pad(row[3], widths[3]), origin]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    marks = [f"{m} {what}" for m, state, what in (("*", NodeState.PINNED, "pinned (its formula not used)"),
                                                  ("=", NodeState.SOLVED, "solved"))
             if any(ev.states[r[0]] is state for r in rows[1:])]
    shown_rows = len(rows) - 1
    more = "" if shown_rows == len(ev.names()) else f"{shown_rows} of {len(ev.names())} quantities; --all for every one"
    footer = "; ".join(filter(None, [", ".join(marks), more]))
    title = "\n".join(textwrap.wrap(eval_title(ev), WIDTH)) or ev.spec.path
    return (f"{title}\n{place(Location(ev.spec.path))}\n\n" + "\n".join(lines) + "\n"
            + (f"\n{footer}\n" if footer else ""))


def _solved_form(ev: Evaluated, name: str) -> str:
    try:
        result = ev.solve_details(name)
    except NoSolutionError:
        return f"(no value: the extreme {solve_question(ev, name)})"
    if result.closed_form is not None:
        return str(result.closed_form)
    return f"the {result.direction} {solve_question(ev, name)} (no closed form)"


def symbolic_table(ev, names=None) -> str:
    """Each computed quantity as a closed form in the inputs (sympy's text), one per line."""
    names = [n for n in (names or ev.names()) if not ev.graph[n].is_input]
    lines = []
    for name in names:
        state = ev.states[name]
        if state is NodeState.PINNED:
            bound = ev.scenario.bound[name]
            lines.append(f"{name} = {bound.text}    (pinned at {bound.where})")
        elif state in (NodeState.SOLVED, NodeState.NO_ANSWER):
            lines.append(f"{name} = {_solved_form(ev, name)}")
        else:
            lines.append(f"{name} = {closed_form(ev, name)}")
    return "\n".join(lines) + "\n"


def eval_json(ev, names=None) -> str:
    """The contract JSON: ``{"values": {name: {"value": number, "unit": "..."}}}`` in declared units."""
    names = list(names or ev.names())
    values = {}
    for name in names:
        quantity = ev.graph[name]
        value = float(to_unit(ev.values[name], quantity.unit))
        values[name] = {"value": value if value == value else None,  # NaN (no solution) -> null
                        "unit": format_unit(quantity.unit.pint_unit) or "dimensionless"}
    document = {"scenario": ev.spec.path, "variant": ev.scenario.variant, "values": values,
                "pinned": ev.pinned}
    return json.dumps(document, indent=2)



