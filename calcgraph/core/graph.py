"""Specs -> Graph: a checked DAG of quantities; every problem collected and raised once, at its file:line."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

from calcgraph.core.bulk import paused_gc
from calcgraph.core.constraints import SolveSpec, checked_constraint, parse_solve_spec
from calcgraph.core.names import new_suggestion_budget, suggest
from calcgraph.core.quantity import Quantity, checked_formula, default_symbol, make_quantity
from calcgraph.errors import CalcgraphError, CycleError, UnknownNameError, raise_all

__all__ = ["Graph", "Quantity", "build_graph", "default_symbol"]


@dataclass(frozen=True)
class Graph:
    """The quantities in declaration order, ``pred`` (what each reads) and a deterministic evaluation order."""

    quantities: dict
    pred: dict
    order: tuple
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    checks: tuple = ()  # (Constraint, message) of every declared feasibility check
    cut: tuple = ()  # the edges (name, pinned) that pinned formulas would add: dropped from the DAG

    def remembered(self, key, compute):
        """``compute()``, worked out once per graph and ``key`` (a graph is read-only once built)."""
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = compute()
        return found

    @property
    def dag(self):
        """``pred`` as a networkx DiGraph (built on first use: evaluating does without networkx)."""
        return self.remembered("dag", lambda: _digraph(self.quantities, self.pred))

    def downstream(self, name: str) -> frozenset:
        """Every quantity that depends on ``name`` (not ``name`` itself), remembered per name."""
        succ = self.remembered("succ", lambda: _successors(self.pred))
        return self.remembered(("downstream", name), lambda: _reach(succ, (name,)) - {name})

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
        return list(self.remembered(("ancestors", name), lambda: tuple(n for n in self.plan((name,)) if n != name)))

    def needed(self, names) -> frozenset:
        """``names`` and everything they depend on: one walk up the DAG, remembered per name set."""
        names = frozenset(names)
        return self.remembered(("needed", names), lambda: _reach(self.pred, names))

    def plan(self, names=None) -> tuple:
        """The evaluation order restricted to ``names`` and their ancestors (all: None), remembered."""
        if names is None:
            return self.order
        wanted = self.needed(names)
        return self.remembered(("plan", wanted), lambda: tuple(n for n in self.order if n in wanted))

    def function(self, name: str):
        """The formula of ``name`` compiled: ``env -> value`` (base units), once per formula for every graph."""
        return self.quantities[name].formula.function


@paused_gc()  # thousands of formulas, trees and edges that all stay alive
def build_graph(specs, overrides: dict | None = None, checks=(), problems: list | None = None,
                pins=frozenset()) -> Graph:
    """Build and check the graph of ``specs``; ``overrides`` replace formulas (name -> SetEntry), a formula of a
    name in ``pins`` adds no edge. With a ``problems`` list, problems go there (the graph built as far as it can)."""
    new_suggestion_budget()  # did-you-mean hints: bounded work per graph, however many names are unknown
    overrides, collect, problems = overrides or {}, problems, []
    quantities: dict[str, Quantity] = {spec.name: quantity for spec in specs
                                       if (quantity := make_quantity(spec, overrides.get(spec.name), problems))}
    for name, entry in overrides.items():
        if name not in quantities and all(s.name != name for s in specs):
            problems.append(UnknownNameError(f"cannot set the formula of unknown quantity {name!r}",
                                             where=entry.where, hint=suggest(name, quantities)))
    pred: dict[str, dict] = {name: {} for name in quantities}  # parents as dict keys: in order, each once
    cut = []

    def link(name: str, parents) -> None:
        """Edges from ``parents`` into ``name``; a pin cuts them (kept in ``cut``)."""
        if name in pins:
            cut.extend((parent, name) for parent in parents)
        else:
            pred[name].update(dict.fromkeys(parents))

    for quantity in list(quantities.values()):
        if quantity.formula is not None:
            quantity = quantities[quantity.name] = checked_formula(quantity, quantities, problems)
            link(quantity.name, [n for n in quantity.formula.names if n in quantities])
    for quantity in list(quantities.values()):
        if quantity.solve is not None and not isinstance(quantity.solve, SolveSpec):
            try:
                spec = parse_solve_spec(quantity.solve, quantity.name, quantity.unit, quantities)
            except CalcgraphError as exc:
                problems.append(exc)
                continue
            quantities[quantity.name] = replace(quantity, solve=spec)
            link(quantity.name, [n for c in spec.constraints for n in c.names])
    pred = {name: tuple(parents) for name, parents in pred.items()}
    order = _order(pred)
    for cycle in _cycles(_digraph(quantities, pred)) if order is None else ():
        members = " -> ".join(cycle + [cycle[0]])
        places = "; ".join(f"{n} at {quantities[n].formula_where or quantities[n].where}" for n in cycle)
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
    # a name defined but broken (its formula did not parse) is not also unknown wherever it is used
    broken = tuple(f"unknown name {name!r}" for name in {s.name for s in specs} - set(quantities))
    problems = [p for p in problems if not (broken and isinstance(p, UnknownNameError)
                                            and p.message.endswith(broken))]
    raise_all(problems, collect)
    return Graph(quantities=quantities, pred=pred, order=order or tuple(quantities),  # None: a cycle, reported
                 checks=tuple(parsed), cut=tuple(cut))


def _order(pred: dict) -> tuple | None:
    """The topological order that always takes the earliest-declared quantity ready (Kahn); None on a cycle."""
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
    return [[edge[0] for edge in nx.find_cycle(dag.subgraph(component))]
            for component in nx.strongly_connected_components(dag)
            if len(component) > 1 or any(dag.has_edge(n, n) for n in component)]
