"""Feasibility checks (``checks:``) at a scenario's values: a failed one is a warning, the values still stand.

>>> from calcgraph.core.bind import bind
>>> from calcgraph.core.spec.load import load_spec
>>> from calcgraph.engine.evaluated import evaluate_scenario
>>> ev = evaluate_scenario(bind(load_spec()))
>>> all(c.holds for c in ev.checks)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calcgraph.core.constraints import Constraint, constant_values
from calcgraph.core.evaluate import compile_node
from calcgraph.core.formula.arrays import failed_count
from calcgraph.core.graph import Graph
from calcgraph.core.units import shown_parts

_NEGATION = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!="}


@dataclass(frozen=True)
class CheckResult:
    """One check at one point: the constraint, its message, whether it holds and both sides (base units)."""

    constraint: Constraint
    message: str
    holds: bool
    lhs: float
    rhs: float

    @property
    def text(self) -> str:
        """The constraint as written."""
        return self.constraint.text

    def sides(self) -> str:
        """Both sides' values as people read them, with the relation that holds: ``150 GB > 128 GB``."""
        unit = self.constraint.unit
        if unit is None:
            left, right = f"{self.lhs:.4g}", f"{self.rhs:.4g}"
        else:
            left, right = (" ".join(shown_parts(v, unit)).strip() for v in (self.lhs, self.rhs))
        relation = self.constraint.op if self.holds else _NEGATION.get(self.constraint.op, "fails")
        return f"{left} {relation} {right}"

    def warning(self) -> str:
        """The one-line warning of a failed check."""
        return f"check failed: {self.message} ({self.text}: {self.sides()}; declared at {self.constraint.where})"


def check_sides(constraint: Constraint, values) -> tuple:
    """Both sides of ``constraint`` at ``values`` (scalars or arrays, base units; x/0 is inf, quietly)."""
    env = {**values, **constant_values(constraint)}
    with np.errstate(all="ignore"):
        return tuple(compile_node(side.node)(env) for side in (constraint.comparison.lhs, constraint.comparison.rhs))


def evaluate_checks(graph: Graph, values) -> tuple[CheckResult, ...]:
    """Every declared check of ``graph`` at ``values``; a check on an unknown value holds (nothing to warn)."""
    results = []
    for constraint, message in graph.checks:
        lhs, rhs = (float(v) for v in check_sides(constraint, values))
        ok = bool(constraint.holds(lhs, rhs)) if np.isfinite(lhs) and np.isfinite(rhs) else True
        results.append(CheckResult(constraint, message, ok, lhs, rhs))
    return tuple(results)


def failed_mask(graph: Graph, values) -> tuple[np.ndarray, list[str]]:
    """Over arrays of ``values``: how many checks fail at each point, and the names of the checks."""
    sides = [tuple(np.asarray(v, float) for v in check_sides(c, values)) for c, _ in graph.checks]
    return failed_count([c.op for c, _ in graph.checks], sides), [c.text for c, _ in graph.checks]


def unused_settings(graph: Graph, entries, outputs) -> list[str]:
    """Warnings for settings (``entries``) that no requested output (``outputs``) depends on."""
    needed = graph.needed([n for n in outputs if n in graph]) if entries else frozenset()  # one walk up
    return [f"{e.where}: this {'setting' if graph[e.name].is_input else 'pin'} of {e.name} changes no requested "
            f"output (nothing shown depends on {e.name})" for e in entries if e.name in graph and e.name not in needed]
