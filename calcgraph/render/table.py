"""``calcgraph table``: the base scenario and one column per variant (text, md, csv or json); each row in one
display unit, chosen from the base column; pinned values marked ``*``."""

from __future__ import annotations

import json
import math

from calcgraph.core.numbers import format_number, shortest_text
from calcgraph.core.units import format_unit, to_unit
from calcgraph.engine.evaluated import Evaluated, NodeState, rebind
from calcgraph.render.text import aligned_lines, csv_text, eval_names, md_lines
from calcgraph.render.values import finite

FORMATS = ("text", "md", "csv", "json")
BASE = "base"


def _cell(ev: Evaluated, name: str, unit, exact: bool = False) -> str:
    state = ev.states[name]
    if state in (NodeState.UNKNOWN, NodeState.NO_ANSWER):
        return state.value
    value = float(to_unit(ev.values[name], unit))
    if exact:
        return shortest_text(value) if math.isfinite(value) else ""  # reads back as the value: CSV loses nothing
    text = format_number(value) if math.isfinite(value) else "n/a"
    return text + ("*" if state is NodeState.PINNED else "")


def _row(columns, name: str, exact: bool = False) -> list[str]:
    unit = columns[0][1].display_unit(name)
    return [name, format_unit(unit)] + [_cell(ev, name, unit, exact) for _, ev in columns]


def _json(columns, names) -> str:
    rows = {}
    for name in names:
        quantity = columns[0][1].graph[name]
        values = {label: finite(float(to_unit(ev.values[name], quantity.unit))) for label, ev in columns}
        rows[name] = {"unit": format_unit(quantity.unit.pint_unit) or "dimensionless", "values": values,
                      "pinned": [label for label, ev in columns if ev.states[name] is NodeState.PINNED]}
    ev = columns[0][1]
    return json.dumps({"scenario": ev.spec.path, "title": ev.spec.title,
                       "columns": [label for label, _ in columns], "rows": rows}, indent=2) + "\n"


def render_table(ev: Evaluated, only=None, fmt: str = "md") -> str:
    """The comparison of the scenario and its variants in ``fmt`` (text, md, csv or json).

    >>> import calcgraph
    >>> render_table(calcgraph.load().evaluated, only=["min_chips"]).splitlines()[2]
    '| min_chips | chip | 8 |'
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}: one of {', '.join(FORMATS)}")
    base = ev if ev.variant is None else rebind(ev, None)  # the base scenario, then each variant in file order
    columns = [(BASE, base)] + [(name, rebind(ev, name)) for name in ev.spec.variants]
    names = eval_names(ev, only)
    if fmt == "json":
        return _json(columns, names)
    rows = [["quantity", "unit"] + [label for label, _ in columns]] + [_row(columns, n, fmt == "csv") for n in names]
    if fmt == "csv":
        return csv_text(rows)
    pinned = any(cell.endswith("*") for row in rows[1:] for cell in row[2:])
    note = "* pinned: given a value, its formula not used\n" if pinned else ""
    if fmt == "md":
        return "\n".join(md_lines(rows, ["---"] * 2 + ["---:"] * len(columns))) + "\n" + note
    lines = aligned_lines(rows, right=range(2, len(rows[0])))
    return f"{ev.spec.title}\n{ev.spec.path}\n\n" + "\n".join(lines) + "\n" + ("\n" + note if note else "")
