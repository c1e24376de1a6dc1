"""Specs -> Graph: a checked networkx DAG of quantities (sympy formulas with units).

Every problem (bad formula, unknown name, unit mismatch, cycle, bad default)
is collected and raised once, each naming the file:line and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import networkx as nx

from ..errors import (
    CalcgraphError,
    CycleError,
    ExpressionError,
    Location,
    UnitError,
    UnitMismatchError,
    UnknownNameError,
    ValidationError,
)
from .constraints import SolveSpec, parse_constraint, parse_solve_spec
from .dimensions import infer_dim, round_in_units
from .evaluate import compile_expr
from .expr import Formula, parse_formula
from .names import suggest
from .spec import QuantitySpec, SetEntry
from .units import Unit, convert_value, format_dim, parse_unit, shown_parts


@dataclass(frozen=True)
class Quantity:
    """A node of the graph: a named quantity with its unit and formula or default."""

    name: str
    unit: Unit
    doc: str
    where: Location
    symbol: str
    source: str | None = None
    display: Unit | None = None
    formula: Formula | None = None
    formula_where: Location | None = None
    formula_origin: str | None = None
    default: float | None = None
    default_text: str | None = None
    default_where: Location | None = None
    solve: object = None
    minimum: float | None = None  # the domain of an input, in base units (min:/max: in YAML)
    maximum: float | None = None
    min_strict: bool = False
    max_strict: bool = False
    preset: str | None = None  # the preset folder that must give a required input
    required: bool = False  # an input with no module default

    def out_of_domain(self, value: float) -> str | None:
        """What is wrong with ``value`` (base units) for this input's domain, or None when it fits.

        >>> from calcgraph.core.units import parse_unit
        >>> q = Quantity("batch", parse_unit("sequence"), "", None, "B", minimum=1.0)
        >>> q.out_of_domain(-5.0)
        'must be >= 1 seq'
        """
        if value != value:  # unknown (NaN) is not out of any domain
            return None
        low = self.minimum is not None and (value <= self.minimum if self.min_strict else value < self.minimum)
        high = self.maximum is not None and (value >= self.maximum if self.max_strict else value > self.maximum)
        if not (low or high):
            return None
        parts = []
        if self.minimum is not None:
            parts.append(f"{'>' if self.min_strict else '>='} {_shown(self.minimum, self.unit)}")
        if self.maximum is not None:
            parts.append(f"{'<' if self.max_strict else '<='} {_shown(self.maximum, self.unit)}")
        return "must be " + " and ".join(parts)

    @property
    def is_input(self) -> bool:
        """True for quantities with a value (not computed)."""
        return self.formula is None and self.solve is None


@dataclass(frozen=True)
class Graph:
    """The quantities in declaration order, their DAG and a deterministic evaluation order."""

    quantities: dict
    dag: nx.DiGraph
    order: tuple
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    checks: tuple = ()  # (Constraint, message) of every declared feasibility check
    cut: tuple = ()  # the edges (name, pinned) that pinned formulas would add: dropped from the DAG

    def __getitem__(self, name: str) -> Quantity:
        return self.quantities[name]

    def __contains__(self, name: object) -> bool:
        return name in self.quantities

    def inputs_of(self, name: str) -> list[str]:
        """The input quantities ``name`` depends on, in declaration order."""
        ancestors = self.needed((name,))
        return [n for n in self.quantities if n in ancestors and self.quantities[n].is_input]

    def ancestors(self, name: str) -> list[str]:
        """Every quantity ``name`` depends on, in evaluation order (computed once per name)."""
        key = ("ancestors", name)
        if key not in self._memo:
            found = self.needed((name,)) - {name}
            self._memo[key] = tuple(n for n in self.order if n in found)
        return list(self._memo[key])

    def needed(self, names) -> frozenset:
        """``names`` and everything they depend on: one walk up the DAG, remembered per name set."""
        key = ("needed", frozenset(names))
        found = self._memo.get(key)
        if found is None:
            seen, stack, pred = set(key[1]), list(key[1]), self.dag.pred
            while stack:
                for parent in pred[stack.pop()]:
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            found = self._memo[key] = frozenset(seen)
        return found

    def plan(self, names=None) -> tuple:
        """The evaluation order restricted to ``names`` and their ancestors (all: None), remembered."""
        if names is None:
            return self.order
        key = ("plan", frozenset(names))
        plan = self._memo.get(key)
        if plan is None:
            wanted = self.needed(key[1])
            plan = self._memo[key] = tuple(n for n in self.order if n in wanted)
        return plan

    def function(self, name: str):
        """The formula of ``name`` compiled once for this graph: ``env -> value`` (base units)."""
        key = ("function", name)
        function = self._memo.get(key)
        if function is None:
            function = self._memo[key] = compile_expr(self.quantities[name].formula.expr)
        return function


def _shown(base: float, unit: Unit) -> str:
    number, text = shown_parts(base, unit, unit)
    return f"{number} {text}".strip()


def _bound(spec: QuantitySpec, key: str, unit: Unit, problems: list) -> tuple[float | None, bool]:
    raw = spec.minimum if key == "min" else spec.maximum
    if raw is None:
        return None, False
    strict = isinstance(raw, str) and raw.strip()[:1] in "<>" and raw.strip() != ""
    text = raw.strip()[1:].strip() if strict else raw
    wrong = strict and raw.strip()[0] != (">" if key == "min" else "<")
    try:
        if wrong:
            raise UnitError(f"{key}: {raw!r} points the wrong way",
                            hint=f"write {key}: \"{'>' if key == 'min' else '<'} {text}\"")
        return convert_value(text, unit, f"{key}: of {spec.name!r}", strict=False)[0], strict
    except CalcgraphError as exc:
        problems.append(exc.rewrap(where=spec.at(key), quantity=spec.name))
        return None, False


def default_symbol(name: str) -> str:
    """LaTeX for a name without a declared symbol: ``\\mathrm{kv\\_bytes}``."""
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


@lru_cache(maxsize=4096)
def _parse(text: str) -> Formula:
    return parse_formula(text)


def _quantity(spec: QuantitySpec, override: SetEntry | None, problems: list) -> Quantity | None:
    try:
        unit = parse_unit(spec.unit)
    except UnitError as exc:
        problems.append(exc.rewrap(f"quantity {spec.name!r}: {exc.message}", where=spec.at("unit"),
                                   quantity=spec.name))
        return None
    display = None
    if spec.display:
        try:
            display = parse_unit(spec.display)
            if display.dim != unit.dim:
                raise UnitMismatchError(f"display unit {spec.display!r} does not fit unit {spec.unit!r}")
        except CalcgraphError as exc:
            problems.append(exc.rewrap(f"quantity {spec.name!r}: {exc.message}",
                                       where=spec.at("display"), quantity=spec.name))
    formula_text, formula_where, origin = spec.formula, spec.at("formula"), None
    if override is not None:
        formula_text, formula_where, origin = override.formula, override.where, override.origin
    formula = default = default_text = None
    if formula_text is not None:
        try:
            formula = _parse(formula_text)
        except ExpressionError as exc:
            problems.append(exc.rewrap(f"formula of {spec.name!r}: {exc.message}",
                                       where=formula_where, quantity=spec.name))
            return None
    elif spec.value is not None and spec.solve is None:
        try:
            default, default_text = convert_value(spec.value, unit, f"the value of {spec.name!r}",
                                                  example_unit=display)
        except CalcgraphError as exc:
            problems.append(exc.rewrap(where=spec.at("value"), quantity=spec.name))
    (low, low_strict), (high, high_strict) = (_bound(spec, k, unit, problems) for k in ("min", "max"))
    replaced = override is not None and override.formula is not None
    return Quantity(name=spec.name, unit=unit, doc=override.doc if replaced and override.doc else spec.doc,
                    where=spec.where,
                    minimum=low, maximum=high, min_strict=low_strict, max_strict=high_strict,
                    preset=spec.preset, required=spec.required and override is None,
                    symbol=spec.symbol or default_symbol(spec.name),
                    source=override.source if replaced and override.source else spec.source,
                    display=display, formula=formula, formula_where=formula_where,
                    formula_origin=origin, default=default, default_text=default_text,
                    default_where=spec.at("value") if default is not None else None,
                    solve=spec.solve if override is None else None)


def _check_names_and_units(quantity: Quantity, quantities: dict, problems: list) -> None:
    formula = quantity.formula
    unknown = [n for n in formula.names if n not in quantities]
    for name in unknown:
        problems.append(UnknownNameError(
            f"formula of {quantity.name!r} uses unknown name {name!r}", where=quantity.formula_where,
            hint=suggest(name, quantities) + " (or `use:` the module that defines it)",
            quantity=quantity.name, name=name))
    if unknown:
        return
    dims = {n: quantities[n].unit.dim for n in formula.names}
    try:
        dim = infer_dim(formula.expr, dims)
    except UnitMismatchError as exc:
        problems.append(exc.rewrap(f"formula of {quantity.name!r}: {exc.message}",
                                   where=quantity.formula_where, quantity=quantity.name,
                                   hint=exc.hint or "check the units of the names it combines"))
        return
    if dim != quantity.unit.dim:
        problems.append(UnitMismatchError(
            f"formula of {quantity.name!r} gives {format_dim(dim)} but its unit "
            f"{quantity.unit.text!r} is {format_dim(quantity.unit.dim)}",
            where=quantity.formula_where, quantity=quantity.name, expected=format_dim(quantity.unit.dim),
            got=format_dim(dim), hint="fix the formula or the declared unit"))


def build_graph(specs, overrides: dict | None = None, checks=(), problems: list | None = None,
                pins=frozenset()) -> Graph:
    """Build and check the graph of ``specs``; ``overrides`` replace formulas (name -> SetEntry).

    A solve node depends on the names its constraints use (edges added here); ``checks``
    (CheckSpecs) are parsed against the quantities. A name in ``pins`` (a computed quantity
    given a value) keeps its formula for display, but the formula adds no edge: a pin cuts
    what it would depend on, so it may break a cycle. With a ``problems`` list, problems are
    added to it and the graph as far as it could be built is returned; else they are raised.
    """
    overrides = overrides or {}
    collect = problems
    problems = []
    quantities: dict[str, Quantity] = {}
    for spec in specs:
        quantity = _quantity(spec, overrides.get(spec.name), problems)
        if quantity is not None:
            quantities[spec.name] = quantity
    for name, entry in overrides.items():
        if name not in quantities and all(s.name != name for s in specs):
            problems.append(UnknownNameError(f"cannot set the formula of unknown quantity {name!r}",
                                             where=entry.where, hint=suggest(name, quantities)))
    dag = nx.DiGraph()
    dag.add_nodes_from(quantities)
    cut = []
    for quantity in list(quantities.values()):
        if quantity.formula is not None:
            _check_names_and_units(quantity, quantities, problems)
            if all(n in quantities for n in quantity.formula.names):
                units = {n: quantities[n].unit for n in quantity.formula.names}
                expr = round_in_units(quantity.formula.expr, units, quantity.unit)
                if expr is not quantity.formula.expr:
                    quantity = replace(quantity, formula=replace(quantity.formula, expr=expr))
                    quantities[quantity.name] = quantity
            edges = [(n, quantity.name) for n in quantity.formula.names if n in quantities]
            if quantity.name in pins:
                cut.extend(edges)
            else:
                dag.add_edges_from(edges)
    for quantity in list(quantities.values()):
        if quantity.solve is not None and not isinstance(quantity.solve, SolveSpec):
            try:
                spec = parse_solve_spec(quantity.solve, quantity.name, quantity.unit, quantities)
            except CalcgraphError as exc:
                problems.append(exc)
                continue
            quantity = replace(quantity, solve=spec)
            quantities[quantity.name] = quantity
            edges = [(n, quantity.name) for c in spec.constraints for n in c.names]
            if quantity.name in pins:
                cut.extend(edges)
            else:
                dag.add_edges_from(edges)
    for cycle in _cycles(dag):
        members = " -> ".join(cycle + [cycle[0]])
        places = "; ".join(f"{n} at {quantities[n].formula_where or quantities[n].where}"
                           for n in cycle)
        problems.append(CycleError(f"quantities depend on themselves: {members} ({places})",
                                   where=quantities[cycle[0]].formula_where,
                                   hint="break the cycle: make one of them an input (value:), or pin one "
                                        "in the scenario's set: (a value typed over its formula)",
                                   cycle=cycle))
    parsed = []
    for check in checks:
        try:
            parsed.append((parse_constraint(check.constraint, quantities, check.where), check.message))
        except CalcgraphError as exc:
            problems.append(exc.rewrap(f"check: {exc.message}", where=check.where))
    if problems and collect is None:
        raise problems[0] if len(problems) == 1 else ValidationError(problems)
    if collect is not None:
        collect.extend(problems)
    index = {name: i for i, name in enumerate(quantities)}
    try:
        order = tuple(nx.lexicographical_topological_sort(dag, key=index.__getitem__))
    except nx.NetworkXUnfeasible:
        order = tuple(quantities)  # a cycle, already reported
    return Graph(quantities=quantities, dag=dag, order=order, checks=tuple(parsed), cut=tuple(cut))


def _cycles(dag: nx.DiGraph) -> list[list[str]]:
    cycles = []
    for component in nx.strongly_connected_components(dag):
        if len(component) > 1 or any(dag.has_edge(n, n) for n in component):
            sub = dag.subgraph(component)
            cycles.append(list(nx.find_cycle(sub))[0:])
    return [[edge[0] for edge in cycle] for cycle in cycles]
