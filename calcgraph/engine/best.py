"""The best configuration over candidates, under constraints.

Candidates are the scenario's variants (if it has any) times the grid of the
varied inputs. Each variant's grid is evaluated vectorised (solve nodes
included); a candidate is feasible when every constraint holds; the winner
maximises or minimises the goal, ties going to the first candidate in grid
order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.constraints import constant_values, parse_constraint
from ..core.evaluate import compile_expr
from ..core.names import suggest
from ..core.spec import SetEntry
from ..core.units import to_unit
from ..errors import Argument, NoSolutionError, UnknownNameError
from .axes import parse_axes
from .evaluated import Evaluated, rebind
from .grid import evaluate_grid


@dataclass(frozen=True)
class Candidate:
    """One configuration: its variant, the varied inputs (base units), the goal and feasibility."""

    variant: str | None
    settings: tuple  # (name, base value)
    goal: float
    feasible: bool
    failing: tuple  # texts of the constraints that fail


@dataclass(frozen=True)
class BestResult:
    """The winner, every candidate, and how many were feasible."""

    goal: str
    sense: str
    constraints: tuple  # the constraint texts
    winner: Candidate
    candidates: tuple
    feasible: int


def _grid(ev: Evaluated, axes, names):
    if not axes:
        return {n: np.atleast_1d(np.asarray(ev.values[n], dtype=float)) for n in names}
    return evaluate_grid(ev.scenario, axes, names, solver=ev.solver)


def find_best(ev: Evaluated, goal: str, sense: str, wheres: list[str], varies: list[str]) -> BestResult:
    """Search every candidate of ``ev`` for the best ``goal`` (sense 'max' or 'min').

    Raises UnknownNameError, SetValueError or UnitMismatchError for a malformed question and
    NoSolutionError when no candidate satisfies the constraints.
    """
    graph = ev.graph
    if goal not in graph:
        raise UnknownNameError(f"unknown quantity {goal!r}", where=Argument("goal", goal),
                               hint=suggest(goal, graph.quantities), name=goal)
    constraints = [parse_constraint(text, graph.quantities, where=Argument("constraint", text)) for text in wheres]
    axes = parse_axes(list(varies), graph)
    names = list(dict.fromkeys([goal] + [a.name for a in axes] + [n for c in constraints for n in c.names]))
    variants = list(ev.spec.variants) if ev.scenario.variant is None and ev.spec.variants \
        else [ev.scenario.variant]
    candidates: list[Candidate] = []
    for variant in variants:
        current = rebind(ev, variant) if variant != ev.scenario.variant else ev
        grid = _grid(current, axes, names)
        size = len(grid[goal])
        ok = np.isfinite(grid[goal])
        failing = [[] for _ in range(size)]
        with np.errstate(all="ignore"):
            for c in constraints:
                env = {**grid, **constant_values(c)}
                lhs = np.broadcast_to(compile_expr(c.comparison.lhs.expr)(env), (size,))
                rhs = np.broadcast_to(compile_expr(c.comparison.rhs.expr)(env), (size,))
                holds = c.holds(lhs, rhs)
                for index in np.flatnonzero(~holds):
                    failing[index].append(c.text)
                ok &= holds
        for index in range(size):
            settings = tuple((a.name, float(grid[a.name][index])) for a in axes)
            candidates.append(Candidate(variant=variant, settings=settings, goal=float(grid[goal][index]),
                                        feasible=bool(ok[index]), failing=tuple(failing[index])))
    feasible = [c for c in candidates if c.feasible]
    text = " and ".join(c.text for c in constraints) or "no constraint"
    if not feasible:
        closest = min(candidates, key=lambda c: len(c.failing))
        raise NoSolutionError(f"no candidate satisfies {text} ({len(candidates)} tried); the closest fails "
                              + " and ".join(closest.failing), where=Argument("constraint", text),
                              hint="relax a constraint or widen the candidates")
    pick = max if sense == "max" else min
    top = pick(c.goal for c in feasible)
    # ties (within rounding) go to the first candidate in grid order: fewer chips, smaller batch
    winner = next(c for c in feasible if math.isclose(c.goal, top, rel_tol=1e-9, abs_tol=0))
    return BestResult(goal=goal, sense=sense, constraints=tuple(c.text for c in constraints),
                      winner=winner, candidates=tuple(candidates), feasible=len(feasible))


def winner_evaluated(ev: Evaluated, result: BestResult) -> Evaluated:
    """The scenario at the winning candidate: its variant, with its settings given, evaluated."""
    entries = list(ev.scenario.entries)
    for name, value in result.winner.settings:
        unit = ev.graph[name].unit
        number = float(to_unit(value, unit))
        text = repr(int(number)) if math.isclose(number, round(number), rel_tol=0, abs_tol=1e-9) else repr(number)
        entries.append(SetEntry(name=name, where=f"best: {name}={text}", origin="best", value=f"{text} {unit.text}"))
    return rebind(ev, result.winner.variant, tuple(entries))
