"""Evaluated values -> terminal text: the eval table, the JSON document, the closed forms."""

from __future__ import annotations

import json

from ..core.units import format_unit, to_unit
from ..engine.evaluated import Evaluated, NodeState
from ..engine.symbolic import closed_form_text
from ..errors import NoSolutionError
from .values import origin_mark, plain_symbol, shown, solve_question


def eval_table(ev, names=None) -> str:
    """A plain-text table: name, symbol, value, unit, origin."""
    names = list(names or ev.names())
    rows = [("name", "symbol", "value", "unit", "from")]
    for name in names:
        number, unit = shown(ev, name)
        rows.append((name, plain_symbol(ev.graph[name].symbol), number, unit,
                     origin_mark(ev, name)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]),
                 row[3].ljust(widths[3]), row[4]]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    title = ev.spec.title + (f" [variant {ev.scenario.variant}]" if ev.scenario.variant else "")
    return f"{title}\n{ev.spec.path}\n\n" + "\n".join(lines) + "\n"


def _solved_form(ev: Evaluated, name: str) -> str:
    try:
        result = ev.solve_details(name)
    except NoSolutionError:
        return f"(no value: the extreme {solve_question(ev, name)})"
    if result.closed_form is not None:
        return str(result.closed_form)
    return f"the {result.direction} {solve_question(ev, name)} (no closed form)"


def symbolic_table(ev, names=None) -> str:
    """Each computed quantity as a closed form in the inputs (sympy's text), one per line.

    A closed form past the symbolic budget (engine/budget.py) is a short note instead; the value stands.
    """
    names = [n for n in (names or ev.names()) if not ev.graph[n].is_input]
    lines = []
    memo: dict = {}  # closed forms built once for the whole table
    for name in names:
        state = ev.states[name]
        if state is NodeState.PINNED:
            bound = ev.scenario.bound[name]
            lines.append(f"{name} = {bound.text}    (pinned at {bound.where})")
        elif state in (NodeState.SOLVED, NodeState.NO_ANSWER):
            lines.append(f"{name} = {_solved_form(ev, name)}")
        else:
            lines.append(f"{name} = {closed_form_text(ev, name, memo)}")
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



