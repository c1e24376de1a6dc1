"""Graph + overrides -> a bound scenario: each input's value and where it came from (module defaults, used files'
``set``, the scenario's, the variant's, settings: the last word wins; a value over a formula pins it, no edge)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from calcgraph.core.graph import Graph, build_graph
from calcgraph.core.names import first_few, suggest
from calcgraph.core.quantity import remember
from calcgraph.core.spec.load import ScenarioSpec, SetEntry
from calcgraph.core.units import convert_value, format_dim, parse_quantity
from calcgraph.errors import CalcgraphError, SetValueError, UnitMismatchError, UnknownNameError, raise_all

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
    missing: tuple = ()  # required inputs nothing gave (NaN until asked for: see require)

    def require(self, names=None) -> None:
        """Raise MissingInputsError naming every missing input ``names`` (default: all) need."""
        if error := missing_inputs(self.graph, self.missing, names):
            raise error

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
    name, value = (part.strip() for part in text.partition("=")[::2])
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


def _entries(spec: ScenarioSpec, variant: str | None, sets) -> list[SetEntry]:
    """Every setting in force, in order: presets (a variant's replacing those of its kinds), the
    scenario's own, the variant's own, then ``sets``."""
    if variant is None:
        return [*spec.sets, *sets]
    if variant not in spec.variants:
        known = ", ".join(spec.variants) or "none"
        raise SetValueError(f"unknown variant {variant!r}", where=spec.path,
                            hint=f"variants of this scenario: {known}")
    replaced = set(spec.replaces.get(variant, ()))
    own = spec.variants[variant]
    presets = [e for e in spec.sets if e.origin == "preset" and e.kind not in replaced]
    presets += [e for e in own if e.kind is not None]
    return [*presets, *(e for e in spec.sets if e.origin != "preset"),
            *(e for e in own if e.kind is None), *sets]


class MissingInputsError(SetValueError):
    """Required inputs (model shapes, chip figures) that no preset or setting gives."""

    missing: tuple = ()


def missing_inputs(graph: Graph, missing, names=None) -> MissingInputsError | None:
    """One error naming every missing input that ``names`` (default: all) need, what needs it
    and where to give it; None when nothing asked for needs one."""
    if not missing:
        return None
    wanted = graph.quantities if names is None else graph.needed([n for n in names if n in graph])  # one walk
    missing = [n for n in missing if n in wanted]
    if not missing:
        return None
    lines, index = [], {n: i for i, n in enumerate(graph.order)}
    for name in missing:  # one walk down from each, its users sorted (not a pass over the graph per input)
        quantity, kind = graph[name], graph[name].preset
        needs = first_few(sorted((n for n in graph.downstream(name) if n in wanted), key=index.get), 6)
        place = (f"the set: of your {kind.rstrip('s')} preset (presets/{kind}/)" if kind else "the scenario's set:")
        lines.append(f"  - {name} [{quantity.unit.text}] ({quantity.where}): needed by {needs or 'no formula here'}; "
                     f"add `{name}:` to {place}")
    count = len(missing)
    error = MissingInputsError(f"{count} required input{'s' if count != 1 else ''} missing, nothing evaluated:\n"
                               + "\n".join(lines), hint="model shapes and chip figures have no defaults: give "
                               "each in a preset (docs/presets.md lists the fields) or the scenario's set:",
                               quantity=missing[0])
    error.missing = tuple(missing)
    return error


def bind(spec: ScenarioSpec, variant: str | None = None, sets=(), problems: list | None = None) -> Scenario:
    """Bind the scenario ``spec`` (optionally one variant, then ``sets``) into a Scenario; with a ``problems``
    list, problems are added to it and the scenario returned as far as it could be bound."""
    collect, problems = problems, []
    final = {e.name: e for e in _entries(spec, variant, sets)}  # the last word wins
    overrides = {n: e for n, e in final.items() if e.formula is not None}
    pins = frozenset(n for n, e in final.items() if e.formula is None)  # a value over a formula: no edges in
    graph = _graph(spec, overrides, pins, problems)
    defaults, in_domain = _defaults(graph)
    bound: dict[str, Bound] = dict(defaults)
    for name, entry in final.items():
        if entry.formula is not None:
            continue
        if name not in graph:
            if all(s.name != name for s in spec.quantities):
                problems.append(UnknownNameError(f"cannot set unknown quantity {name!r}", where=entry.where,
                                                 hint=suggest(name, graph.quantities), name=name))
            continue
        quantity = graph[name]
        try:
            value, text = convert_value(entry.value, quantity.unit, f"{name!r}", example_unit=quantity.display)
        except CalcgraphError as exc:  # placed where the value came from; a setting gets an example setting
            hint = exc.hint
            if entry.origin not in ("preset", "scenario") and "needs a unit" in exc.message:
                hint = (f"write it with its unit (declared: {quantity.unit.text}), e.g. "
                        f"\"{name}={str(entry.value).strip()} {(quantity.display or quantity.unit).text}\"")
            problems.append(exc.rewrap(where=entry.where, quantity=name, hint=hint))
            continue
        bound[name] = Bound(name=name, value=value, text=text, where=entry.where,
                            origin=entry.origin, pinned=not quantity.is_input,
                            source=entry.source, note=entry.note)
    for name, value in bound.items():  # a default within its domain is checked once per graph (_defaults)
        checked = name in in_domain and value is defaults[name]
        if not checked and graph[name].is_input and (wrong := graph[name].out_of_domain(value.value)):
            problems.append(SetValueError(f"{name} = {value.text} is out of its domain: {wrong}",
                                          where=value.where, quantity=name,
                                          hint=f"the domain is declared at {graph[name].where}"))
    problems += [UnknownNameError(f"report: names unknown quantity {name!r}", where=spec.where,
                                  hint=suggest(name, graph.quantities)) for name in spec.report if name not in graph]
    problems.extend(expect_problems(spec, graph))
    missing = tuple(n for n, q in graph.quantities.items() if q.required and n not in bound)
    for name in missing:
        bound[name] = Bound(name=name, value=math.nan, text="missing", where=graph[name].where, origin="missing")
    if collect is not None and (error := missing_inputs(graph, missing)):  # else raised by require
        problems.append(error)
    raise_all(problems, collect)
    return Scenario(spec=spec, graph=graph, variant=variant, bound=bound, entries=tuple(sets), missing=missing)


_GRAPHS: dict = {}  # one graph per (specs, checks, formula overrides, pins): variants and rebinds share it


def _defaults(graph: Graph) -> tuple[dict, frozenset]:
    """Each default value of ``graph`` bound (shared by every binding of the graph), and which lie within
    their domain (the others are checked, and reported, at each binding)."""
    def work() -> tuple[dict, frozenset]:
        defaults = {name: Bound(name=name, value=q.default, text=q.default_text, where=q.default_where,
                                origin="default", source=q.source)
                    for name, q in graph.quantities.items() if q.default is not None}
        return defaults, frozenset(n for n, b in defaults.items()
                                   if not (graph[n].is_input and graph[n].out_of_domain(b.value)))
    return graph.remembered("defaults", work)


def _graph(spec: ScenarioSpec, overrides: dict, pins: frozenset, problems: list) -> Graph:
    """The checked graph of ``spec`` under ``overrides`` and ``pins``, built once per process when it has
    no problem (read-only, its compiled formulas serve every binding that shares it)."""
    computed = pins & {q.name for q in spec.quantities if q.formula is not None or q.solve is not None}
    try:  # only pins of computed quantities change the graph; a value for an input does not
        key = (tuple(map(id, spec.quantities)), tuple(map(id, spec.checks)), tuple(sorted(overrides.items())),
               computed)
        hit = _GRAPHS.get(key)
    except TypeError:
        key = hit = None
    if hit is not None:  # the specs of the key are kept alive with it: their ids are still theirs
        return hit[2]
    before = len(problems)
    graph = build_graph(spec.quantities, overrides, spec.checks, problems=problems, pins=pins)
    if key is not None and len(problems) == before:
        remember(_GRAPHS, key, (spec.quantities, spec.checks, graph), 256)
    return graph


def expect_problems(spec: ScenarioSpec, graph: Graph) -> list[CalcgraphError]:
    """What is wrong with the scenario's ``expect:``: unknown names, variants, or printed units."""
    problems: list[CalcgraphError] = []
    for expect in spec.expects:
        if expect.name not in graph:
            problems.append(UnknownNameError(f"expect: names unknown quantity {expect.name!r}",
                                             where=expect.where, hint=suggest(expect.name, graph.quantities)))
            continue
        if expect.variant is not None and expect.variant not in spec.variants:
            problems.append(SetValueError(f"expect of {expect.name!r} names unknown variant "
                                          f"{expect.variant!r}", where=expect.where,
                                          hint=f"variants: {', '.join(spec.variants) or 'none'}"))
        unit = graph[expect.name].unit
        for key, raw in (("printed", expect.printed), ("exact", expect.exact)):
            if raw is None:
                continue
            try:
                number, given = parse_quantity(raw)
                if given is not None and given.dim != unit.dim:
                    raise UnitMismatchError(f"expect of {expect.name!r}: {key} {raw!r} is "
                                            f"{format_dim(given.dim)}, but {expect.name} is in {unit.text!r}",
                                            hint=f"print it in a unit of {format_dim(unit.dim)}, e.g. {unit.text}")
            except CalcgraphError as exc:
                problems.append(exc.rewrap(where=expect.where, quantity=expect.name))
    return problems
