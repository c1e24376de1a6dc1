"""Evaluated values -> terminal text: the eval table, the JSON document, the closed forms."""

from __future__ import annotations

from functools import lru_cache

from calcgraph.core.bulk import paused_gc
from calcgraph.core.units import Unit, family_units, format_unit, ureg
from calcgraph.engine.evaluated import Evaluated, NodeState
from calcgraph.errors import NoSolutionError
from calcgraph.render.evalfmt import json_text, shown_text, table_text, title_text
from calcgraph.render.values import origin_mark, plain_symbol, solve_question


@lru_cache(maxsize=4096)
def _scales(unit: Unit, display: Unit | None) -> tuple:
    """The display data of a unit (``evalfmt``): the units a value of it may be shown in, with factors.

    >>> from calcgraph.core.units import parse_unit
    >>> _scales(parse_unit("B/token"), None)[:3]
    ((1.0, 'B/tok'), (1.0, 'B/tok'), (1000.0, 'kB/tok'))
    """
    if display is not None:
        return ((display.factor, format_unit(display.pint_unit)),)
    fixed = ((unit.factor, format_unit(unit.pint_unit)),)
    family = family_units(unit)
    if family is None:
        return fixed
    return fixed + tuple((float(ureg.Quantity(1.0, u).to_base_units().magnitude), format_unit(u)) for u in family)


def scales(unit: Unit | None, display: Unit | None = None) -> tuple | None:
    """``_scales`` of a declared unit (None for none: a plain number)."""
    return None if unit is None else _scales(unit, display)


def quantity_scales(ev, name: str) -> tuple:
    """The display data of the quantity ``name``."""
    quantity = ev.graph[name]
    return _scales(quantity.unit, quantity.display)


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
    return title_text(title, [f"{e.name}={e.value}" for e in ev.scenario.entries if e.origin == "--set"])


def eval_table(ev, names=None, everything: bool = False) -> str:
    """A plain-text table of ``eval_names``: name, symbol, value, unit, origin, within 100 columns."""
    rows = []
    with paused_gc():  # thousands of rows that all stay alive
        for name in eval_names(ev, names, everything):
            number, unit = shown_text(float(ev.values[name]), quantity_scales(ev, name))
            rows.append((name, plain_symbol(ev.graph[name].symbol), number, unit, origin_mark(ev, name),
                         ev.states[name].value))
        return table_text(eval_title(ev), ev.spec.path, rows, len(ev.names()))


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
    from calcgraph.engine.symbolic import closed_form_text  # sympy: only the symbolic table needs it
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
    values = []
    for name in list(names or ev.names()):
        unit = ev.graph[name].unit
        values.append((name, float(ev.values[name] / unit.factor), format_unit(unit.pint_unit) or "dimensionless"))
    return json_text(ev.spec.path, ev.scenario.variant, values, ev.pinned)
