"""Bound scenario -> Evaluated: every value (base units) and every node's state, decided once, read-only.

>>> from calcgraph.core.bind import bind
>>> from calcgraph.core.spec.load import load_spec
>>> ev = evaluate_scenario(bind(load_spec()))
>>> ev.state("batch"), ev.state("t_step"), ev.state("max_batch")
(<NodeState.INPUT: 'input'>, <NodeState.FORMULA: 'formula'>, <NodeState.SOLVED: 'solved'>)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

import pint

from calcgraph.core.bind import Scenario, bind
from calcgraph.core.evaluate import evaluate
from calcgraph.core.graph import Graph, Quantity
from calcgraph.core.names import suggest
from calcgraph.core.spec.load import ScenarioSpec, SetEntry
from calcgraph.core.units import display_unit, parse_unit, to_unit
from calcgraph.engine.checks import CheckResult, evaluate_checks
from calcgraph.engine.solve.nodes import NodeSolver
from calcgraph.engine.solve.scalar import SolveResult
from calcgraph.errors import NoSolutionError, UnitMismatchError, UnknownNameError


class NodeState(StrEnum):
    """How a node got its value (loman's node states, for a graph that is evaluated whole)."""

    INPUT = "input"          # a value: module default, preset, scenario, variant or setting
    FORMULA = "formula"      # computed by its formula
    PINNED = "pinned"        # a computed quantity given a value (its formula is not used)
    SOLVED = "solved"        # a solve node, with its answer
    NO_ANSWER = "no answer"  # a solve node whose constraints no value in its bounds satisfies
    UNKNOWN = "unknown"      # no value: an input given as unknown, or computed from one


@dataclass(frozen=True)
class Evaluated:
    """A bound scenario, its values in base units and each node's state."""

    scenario: Scenario
    values: Mapping[str, float]
    states: Mapping[str, NodeState]
    solver: NodeSolver = field(repr=False, compare=False)
    checks: tuple[CheckResult, ...] = ()  # every declared feasibility check at these values
    reasons: Mapping[str, str] = field(default_factory=dict)  # solve node without answer -> why, in a few words
    memos: dict = field(default_factory=dict, repr=False, compare=False)  # symbolic.py's closed forms, by kind

    @property
    def failed_checks(self) -> list[CheckResult]:
        """The checks that do not hold."""
        return [c for c in self.checks if not c.holds]

    @property
    def graph(self) -> Graph:
        """The checked graph."""
        return self.scenario.graph

    @property
    def spec(self) -> ScenarioSpec:
        """What the scenario files say."""
        return self.scenario.spec

    @property
    def variant(self) -> str | None:
        """The variant in force, if any."""
        return self.scenario.variant

    def names(self) -> list[str]:
        """Every quantity name, in declaration order."""
        return list(self.graph.quantities)

    def quantity(self, name: str) -> Quantity:
        """The node ``name``; UnknownNameError names the closest names."""
        if name not in self.graph:
            raise UnknownNameError(f"unknown quantity {name!r}", hint=suggest(name, self.graph.quantities),
                                   name=name)
        return self.graph[name]

    def state(self, name: str) -> NodeState:
        """The state of ``name``."""
        self.quantity(name)
        return self.states[name]

    def value(self, name: str, unit: str | None = None) -> float:
        """The value of ``name`` in ``unit`` (default: its declared unit); NaN when unknown, MissingInputsError
        when an input it needs was given by nothing."""
        quantity = self.quantity(name)
        self.scenario.require([name])
        target = parse_unit(unit) if unit else quantity.unit
        if target.dim != quantity.unit.dim:
            raise UnitMismatchError(f"{name} is in {quantity.unit.text!r}, which does not convert to {unit!r}",
                                    quantity=name, expected=str(quantity.unit.dim), got=str(target.dim),
                                    hint=f"ask for a unit like {quantity.unit.text}")
        return float(to_unit(self.values[name], target))

    def display_unit(self, name: str) -> pint.Unit:
        """The unit ``name`` is shown in: its ``display`` unit, else a human scale of its unit."""
        quantity = self.quantity(name)
        if quantity.display is not None:
            return quantity.display.pint_unit
        return display_unit(quantity.unit, float(self.values[name]))

    def solve_details(self, name: str) -> SolveResult:
        """The solve behind the solve node ``name`` at these values, with its working (else NoSolutionError)."""
        return self.solver.details(name, dict(self.values))

    @property
    def pinned(self) -> list[str]:
        """Computed quantities given a value, in declaration order."""
        return [n for n, s in self.states.items() if s is NodeState.PINNED]


def node_states(scenario: Scenario, values: Mapping[str, float]) -> dict[str, NodeState]:
    """The state of every node of ``scenario`` once ``values`` are computed."""
    states = {}
    for name, quantity in scenario.graph.quantities.items():
        bound = scenario.bound.get(name)
        known = not (isinstance(values[name], float) and math.isnan(values[name]))
        if bound is not None and bound.pinned:
            states[name] = NodeState.PINNED
        elif bound is not None:
            states[name] = NodeState.INPUT if known else NodeState.UNKNOWN
        elif quantity.solve is not None:
            states[name] = NodeState.SOLVED if known else NodeState.NO_ANSWER
        else:
            states[name] = NodeState.FORMULA if known else NodeState.UNKNOWN
    return states


def evaluate_scenario(scenario: Scenario) -> Evaluated:
    """Evaluate every quantity of ``scenario`` and decide each node's state (EvaluationError on overflow, x/0)."""
    solver = NodeSolver(scenario)
    values = evaluate(scenario, solver=solver)
    states = node_states(scenario, values)
    reasons = {n: solver.reasons.get(n, NoSolutionError.reason) for n, s in states.items() if s is NodeState.NO_ANSWER}
    return Evaluated(scenario=scenario, values=MappingProxyType(values), states=MappingProxyType(states),
                     solver=solver, checks=evaluate_checks(scenario.graph, values),
                     reasons=MappingProxyType(reasons))


def rebind(ev: Evaluated, variant: str | None = None, entries: tuple[SetEntry, ...] | None = None) -> Evaluated:
    """The same scenario under ``variant`` with ``entries`` (default: the current ones), evaluated."""
    sets = ev.scenario.entries if entries is None else tuple(entries)
    return evaluate_scenario(bind(ev.spec, variant, sets))
