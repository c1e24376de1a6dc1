"""Graph + overrides -> a bound scenario: every input's value and where it came from.

Values flow from module defaults -> used files' ``set`` -> the scenario's
``set`` -> the variant -> settings (command line or API); the last word wins. Setting a
computed quantity to a value pins it, like typing over a spreadsheet formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CalcgraphError, SetValueError, UnknownNameError, ValidationError
from .graph import Graph, build_graph
from .names import suggest
from .spec import ScenarioSpec, SetEntry
from .units import convert_value, parse_quantity

_SET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_SET_TEXT = 300


@dataclass(frozen=True)
class Bound:
    """A value given to a quantity, in base units, with its provenance."""

    name: str
    value: float
    text: str
    where: object
    origin: str
    pinned: bool = False
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A checked graph with every input bound: ready to evaluate."""

    spec: ScenarioSpec
    graph: Graph
    variant: str | None
    bound: dict
    entries: tuple

    @property
    def pinned(self) -> list[str]:
        """Computed quantities whose value was typed over."""
        return [n for n, b in self.bound.items() if b.pinned]


def parse_set_arg(text: str, origin: str = "setting") -> SetEntry:
    """``NAME=VALUE[ UNIT]`` from the command line as a SetEntry (checked, never evaluated).

    >>> parse_set_arg("batch=64").value
    '64'
    """
    shown = text if len(text) <= 60 else text[:60] + "..."
    where = f"{origin} {shown}"
    name, _, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if len(text) > MAX_SET_TEXT:
        raise SetValueError(f"setting longer than {MAX_SET_TEXT} characters", where=where,
                            hint="write NAME=VALUE or NAME=\"VALUE UNIT\"")
    if not _SET_NAME.fullmatch(name) or not value:
        raise SetValueError(f"cannot read {shown!r}", where=where,
                            hint="write NAME=VALUE or NAME=\"VALUE UNIT\", e.g. batch=64 "
                                 "or \"hbm_bandwidth=8.2e11 B/s/chip\"")
    try:
        parse_quantity(value)
    except CalcgraphError as exc:
        raise SetValueError(f"{name}: {exc.message}", where=where,
                            hint="give a number, optionally with a unit: 64, \"15 ms\", \"8.2e11 B/s/chip\"") from None
    return SetEntry(name=name, where=where, origin=origin, value=value)


def _last_word(entries) -> dict[str, SetEntry]:
    final: dict[str, SetEntry] = {}
    for entry in entries:
        final[entry.name] = entry
    return final


def bind(spec: ScenarioSpec, variant: str | None = None, sets=()) -> Scenario:
    """Bind the scenario ``spec`` (optionally one variant, then ``sets``) into a Scenario."""
    entries = list(spec.sets)
    if variant is not None:
        if variant not in spec.variants:
            known = ", ".join(spec.variants) or "none"
            raise SetValueError(f"unknown variant {variant!r}", where=spec.path,
                                hint=f"variants of this scenario: {known}")
        entries.extend(spec.variants[variant])
    entries.extend(sets)
    final = _last_word(entries)
    overrides = {n: e for n, e in final.items() if e.formula is not None}
    graph = build_graph(spec.quantities, overrides)
    problems: list[CalcgraphError] = []
    bound: dict[str, Bound] = {}
    for name, quantity in graph.quantities.items():
        if quantity.default is not None:
            bound[name] = Bound(name=name, value=quantity.default, text=quantity.default_text,
                                where=quantity.default_where, origin="default",
                                source=quantity.source)
    for name, entry in final.items():
        if entry.formula is not None:
            continue
        if name not in graph:
            problems.append(UnknownNameError(f"cannot set unknown quantity {name!r}", where=entry.where,
                                             hint=suggest(name, graph.quantities), name=name))
            continue
        quantity = graph[name]
        try:
            value, text = convert_value(entry.value, quantity.unit, f"{name!r}")
        except CalcgraphError as exc:
            problems.append(exc.rewrap(where=entry.where, quantity=name))
            continue
        bound[name] = Bound(name=name, value=value, text=text, where=entry.where,
                            origin=entry.origin, pinned=not quantity.is_input,
                            source=entry.source, note=entry.note)
    for name in spec.report:
        if name not in graph:
            problems.append(UnknownNameError(f"report: names unknown quantity {name!r}",
                                             where=spec.where, hint=suggest(name, graph.quantities)))
    for expect in spec.expects:
        if expect.name not in graph:
            problems.append(UnknownNameError(f"expect: names unknown quantity {expect.name!r}",
                                             where=expect.where, hint=suggest(expect.name, graph.quantities)))
        if expect.variant is not None and expect.variant not in spec.variants:
            problems.append(SetValueError(f"expect of {expect.name!r} names unknown variant "
                                          f"{expect.variant!r}", where=expect.where,
                                          hint=f"variants: {', '.join(spec.variants) or 'none'}"))
    for name, quantity in graph.quantities.items():
        if quantity.is_input and name not in bound:
            problems.append(SetValueError(f"input {name!r} has no value", where=quantity.where,
                                          hint=f"give it a value: in the module, in the scenario's set:, "
                                               f"or as a setting {name}=...", quantity=name))
    if problems:
        raise problems[0] if len(problems) == 1 else ValidationError(problems)
    return Scenario(spec=spec, graph=graph, variant=variant, bound=bound, entries=tuple(sets))
