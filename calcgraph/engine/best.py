"""``calcgraph best``: the best configuration over candidates, under constraints.

Candidates are the scenario's variants (if it has any) times the grid of the
``--vary`` inputs. Each variant's grid is evaluated vectorised (solve nodes
included); a candidate is feasible when every ``--where`` holds; the winner
maximises or minimises the goal, ties going to the first candidate in grid
order. The answer comes with the table of candidates and the derivation of
the goal at the winning configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.constraints import constant_values, parse_constraint
from ..core.evaluate import compile_expr
from ..core.names import suggest
from ..core.numbers import format_number
from ..core.units import display_unit, format_unit, to_unit
from ..errors import NoSolutionError, UnknownNameError

SHOWN = 12


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
    constraints: tuple
    winner: Candidate
    candidates: tuple
    feasible: int


def _grid(model, axes, names):
    from .grid import evaluate_grid
    if not axes:
        return {n: np.atleast_1d(np.asarray(model.raw[n], dtype=float)) for n in names}
    return evaluate_grid(model.scenario, axes, names)


def find_best(model, goal: str, sense: str, wheres: list[str], varies: list[str]) -> BestResult:
    """Search every candidate of ``model`` for the best ``goal`` (sense 'max' or 'min')."""
    from .grid import parse_axes
    graph = model.graph
    if goal not in graph:
        raise UnknownNameError(f"unknown quantity {goal!r}", where=f"--{sense}imize {goal}",
                               hint=suggest(goal, graph.quantities), name=goal)
    constraints = [parse_constraint(text, graph.quantities, where=f"--where {text}") for text in wheres]
    axes = parse_axes(list(varies), graph)
    names = list(dict.fromkeys([goal] + [a.name for a in axes] + [n for c in constraints for n in c.names]))
    variants = list(model.spec.variants) if model.scenario.variant is None and model.spec.variants \
        else [model.scenario.variant]
    candidates: list[Candidate] = []
    for variant in variants:
        current = model.with_variant(variant) if variant != model.scenario.variant else model
        grid = _grid(current, axes, names)
        size = len(grid[goal])
        ok = np.isfinite(grid[goal])
        failing = [[] for _ in range(size)]
        with np.errstate(all="ignore"):
            for c in constraints:
                env = {**grid, **constant_values(c)}
                lhs = np.broadcast_to(compile_expr(c.comparison.lhs.expr)(env), (size,))
                rhs = np.broadcast_to(compile_expr(c.comparison.rhs.expr)(env), (size,))
                slack = c.slack(lhs, rhs)
                holds = (slack > 0) if c.op in ("<", ">") else (slack >= -1e-12 * np.maximum(abs(lhs), abs(rhs)))
                holds &= np.isfinite(slack)
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
                              + " and ".join(closest.failing), where=f"--where {text}",
                              hint="relax a constraint or widen the candidates (--vary)")
    pick = max if sense == "max" else min
    top = pick(c.goal for c in feasible)
    # ties (within rounding) go to the first candidate in grid order: fewer chips, smaller batch
    winner = next(c for c in feasible if math.isclose(c.goal, top, rel_tol=1e-9, abs_tol=0))
    return BestResult(goal=goal, sense=sense, constraints=tuple(c.text for c in constraints),
                      winner=winner, candidates=tuple(candidates), feasible=len(feasible))


def _shown(model, name: str, value: float) -> str:
    unit = display_unit(model.graph[name].unit, value) if model.graph[name].display is None \
        else model.graph[name].display.pint_unit
    return f"{format_number(float(to_unit(value, unit)))} {format_unit(unit)}".rstrip()


def _setting_text(model, candidate: Candidate) -> str:
    parts = ([f"variant {candidate.variant}"] if candidate.variant else [])
    parts += [f"{name} = {_shown(model, name, value)}" for name, value in candidate.settings]
    return ", ".join(parts) or "the scenario as it is"


def render_best(model, result: BestResult) -> str:
    """The answer, a table of the best candidates (per variant and overall) and the derivation."""
    goal, winner = result.goal, result.winner
    word = "highest" if result.sense == "max" else "lowest"
    lines = [f"# Best configuration: {word} {goal}", "",
             f"Scenario: {model.spec.title} ({model.spec.path})",
             f"Constraints: {' and '.join(result.constraints) or 'none'}",
             f"Candidates: {len(result.candidates):,}, of which {result.feasible:,} satisfy the constraints", "",
             f"**{goal} = {_shown(model, goal, winner.goal)}** at {_setting_text(model, winner)}", ""]
    ranked = sorted((c for c in result.candidates if c.feasible),
                    key=lambda c: -c.goal if result.sense == "max" else c.goal)
    ranked = [winner] + [c for c in ranked if c is not winner]
    best_per_variant = {}
    for c in ranked:
        best_per_variant.setdefault(c.variant, c)
    shown = list(dict.fromkeys(ranked[:SHOWN] + list(best_per_variant.values())))
    columns = ["variant"] if any(c.variant for c in result.candidates) else []
    columns += [name for name, _ in winner.settings] + [goal]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for c in shown:
        cells = ([c.variant or ""] if columns[:1] == ["variant"] else [])
        cells += [_shown(model, n, v) for n, v in c.settings] + [_shown(model, goal, c.goal)]
        lines.append("| " + " | ".join(cells) + " |")
    infeasible = [c for c in result.candidates if not c.feasible]
    if infeasible:
        reasons: dict[str, int] = {}
        for c in infeasible:
            for text in c.failing or ("no value",):
                reasons[text] = reasons.get(text, 0) + 1
        lines += ["", "Ruled out: " + "; ".join(f"{n:,} fail {t}" for t, n in reasons.items())]
    chosen = model.with_variant(winner.variant) if winner.variant != model.scenario.variant else model
    if winner.settings:
        chosen = chosen.set(**{name: f"{_plain(chosen, name, value)}" for name, value in winner.settings})
    from ..render.explain import explain_text
    lines += ["", f"## Derivation of {goal} at the winner", "", "```", explain_text(chosen, goal).rstrip(), "```"]
    return "\n".join(lines) + "\n"


def _plain(model, name: str, value: float) -> str:
    unit = model.graph[name].unit
    number = float(to_unit(value, unit))
    return repr(int(number)) if math.isclose(number, round(number), rel_tol=0, abs_tol=1e-9) else repr(number)


def best_command(model, maximize: str | None = None, minimize: str | None = None,
                 wheres: list[str] = (), varies: list[str] = ()) -> str:
    """``calcgraph best``: the rendered answer (NoSolutionError, exit 1, when nothing is feasible)."""
    goal, sense = (maximize, "max") if maximize else (minimize, "min")
    return render_best(model, find_best(model, goal, sense, list(wheres), list(varies)))
