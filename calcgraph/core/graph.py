"""Specs -> Graph: a checked DAG of quantities (formulas with units).

Every problem (bad formula, unknown name, unit mismatch, cycle, bad default)
is collected and raised once, each naming the file:line and the fix.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

from calcgraph.core.bulk import paused_gc
from calcgraph.core.constraints import SolveSpec, checked_constraint, parse_solve_spec
from calcgraph.core.names import new_suggestion_budget, suggest
from calcgraph.core.quantity import Quantity, checked_formula, default_symbol, make_quantity
from calcgraph.errors import CalcgraphError, CycleError, UnknownNameError, ValidationError

__all__ = ["Graph", "Quantity", "build_graph", "default_symbol"]


@dataclass(frozen=True)
class Graph:
    """The quantities in declaration order, what each depends on, and a deterministic evaluation order.

    ``pred`` maps each quantity to the quantities its formula (or solve) reads; ``dag`` is the
    same as a networkx DiGraph, built on first use (diagrams, graph algorithms): evaluating
    needs neither networkx nor its per-graph dictionaries.
    """

    quantities: dict
    pred: dict
    order: tuple
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    checks: tuple = ()  # (Constraint, message) of every declared feasibility check
    cut: tuple = ()  # the edges (name, pinned) that pinned formulas would add: dropped from the DAG

    @property
    def dag(self):
        """The DAG as a networkx DiGraph (built once, on first use)."""
        dag = self._memo.get("dag")
        if dag is None:
            dag = self._memo["dag"] = _digraph(self.quantities, self.pred)
        return dag

    def downstream(self, name: str) -> frozenset:
        """Every quantity that depends on ``name`` (not ``name`` itself), remembered per name."""
        key = ("downstream", name)
        found = self._memo.get(key)
        if found is None:
            succ = self._memo.get("succ")
            if succ is None:
                succ = self._memo["succ"] = _successors(self.pred)
            found = self._memo[key] = _reach(succ, (name,)) - {name}
        return found

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
            found = self._memo[key] = _reach(self.pred, key[1])
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
        """The formula of ``name`` compiled: ``env -> value`` (base units), once per formula for every graph."""
        return self.quantities[name].formula.function


def build_graph(specs, overrides: dict | None = None, checks=(), problems: list | None = None,
                pins=frozenset()) -> Graph:
    """Build and check the graph of ``specs``; ``overrides`` replace formulas (name -> SetEntry).

    A solve node depends on the names its constraints use (edges added here); ``checks``
    (CheckSpecs) are parsed against the quantities. A name in ``pins`` (a computed quantity
    given a value) keeps its formula for display, but the formula adds no edge: a pin cuts
    what it would depend on, so it may break a cycle. With a ``problems`` list, problems are
    added to it and the graph as far as it could be built is returned; else they are raised.
    """
    with paused_gc():  # thousands of formulas, trees and edges that all stay alive
        return _build_graph(specs, overrides, checks, problems, pins)


def _build_graph(specs, overrides, checks, problems, pins) -> Graph:
    new_suggestion_budget()  # did-you-mean hints: bounded work per graph, however many names are unknown
    overrides = overrides or {}
    collect = problems
    problems = []
    quantities: dict[str, Quantity] = {}
    for spec in specs:
        quantity = make_quantity(spec, overrides.get(spec.name), problems)
        if quantity is not None:
            quantities[spec.name] = quantity
    for name, entry in overrides.items():
        if name not in quantities and all(s.name != name for s in specs):
            problems.append(UnknownNameError(f"cannot set the formula of unknown quantity {name!r}",
                                             where=entry.where, hint=suggest(name, quantities)))
    pred: dict[str, list] = {name: [] for name in quantities}
    cut = []
    for quantity in list(quantities.values()):
        if quantity.formula is not None:
            quantity = quantities[quantity.name] = checked_formula(quantity, quantities, problems)
            edges = [(n, quantity.name) for n in quantity.formula.names if n in quantities]
            if quantity.name in pins:
                cut.extend(edges)
            else:
                _add(pred, edges)
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
                _add(pred, edges)
    pred = {name: tuple(parents) for name, parents in pred.items()}
    order = _order(pred)
    for cycle in _cycles(_digraph(quantities, pred)) if order is None else ():
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
            parsed.append((checked_constraint(check.constraint, quantities, check.where), check.message))
        except CalcgraphError as exc:
            problems.append(exc.rewrap(f"check: {exc.message}", where=check.where))
    problems = first_causes(problems, {s.name for s in specs} - set(quantities))
    if problems and collect is None:
        raise problems[0] if len(problems) == 1 else ValidationError(problems)
    if collect is not None:
        collect.extend(problems)
    if order is None:
        order = tuple(quantities)  # a cycle, already reported
    return Graph(quantities=quantities, pred=pred, order=order, checks=tuple(parsed), cut=tuple(cut))


def first_causes(problems: list, broken: set) -> list:
    """``problems`` without those that only follow from an earlier one: a name defined in the files
    but ``broken`` (its formula did not parse) is not also an unknown name wherever it is used."""
    endings = tuple(f"unknown name {name!r}" for name in broken)  # (NameError resets an exception's .name)
    return [p for p in problems if not (isinstance(p, UnknownNameError) and endings
                                        and str(getattr(p, "message", "")).endswith(endings))]


def _add(pred: dict, edges) -> None:
    for parent, child in edges:
        if parent not in pred[child]:
            pred[child].append(parent)


def _order(pred: dict) -> tuple | None:
    """The topological order that always takes the earliest-declared quantity ready; None on a cycle.

    networkx's ``lexicographical_topological_sort`` with the declaration index as key (a test holds
    the two equal), as Kahn's algorithm over a heap: no networkx import and no per-graph DiGraph.
    """
    index = {name: i for i, name in enumerate(pred)}
    waiting = {name: len(parents) for name, parents in pred.items()}
    succ = _successors(pred)
    ready = [(index[n], n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)[1]
        order.append(name)
        for child in succ[name]:
            waiting[child] -= 1
            if not waiting[child]:
                heapq.heappush(ready, (index[child], child))
    return tuple(order) if len(order) == len(pred) else None


def _successors(pred: dict) -> dict:
    succ: dict = {name: [] for name in pred}
    for child, parents in pred.items():
        for parent in parents:
            succ[parent].append(child)
    return succ


def _reach(edges: dict, start) -> frozenset:
    """``start`` and every name reached from it along ``edges`` (parents, or children)."""
    seen, stack = set(start), list(start)
    while stack:
        for other in edges.get(stack.pop(), ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return frozenset(seen)


def _digraph(quantities: dict, pred: dict):
    import networkx as nx  # display and graph algorithms only: evaluating does without it
    dag = nx.DiGraph()
    dag.add_nodes_from(quantities)
    for solves in (False, True):  # formula edges first, then solve edges: the order they were always added in
        dag.add_edges_from((parent, child) for child, quantity in quantities.items()
                           if (quantity.solve is not None) == solves for parent in pred.get(child, ()))
    return dag


def _cycles(dag) -> list[list[str]]:
    import networkx as nx
    cycles = []
    for component in nx.strongly_connected_components(dag):
        if len(component) > 1 or any(dag.has_edge(n, n) for n in component):
            sub = dag.subgraph(component)
            cycles.append(list(nx.find_cycle(sub))[0:])
    return [[edge[0] for edge in cycle] for cycle in cycles]
