"""The best configuration over candidates (variants times the grid of varied inputs), under constraints, streamed
in blocks. Ties (within 1e-9) go to the first candidate in grid order; an integer goal's winner is verified on its
own, and the next better goal among the candidates fails."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace

import numpy as np

from calcgraph.core.constraints import parse_constraint
from calcgraph.core.names import suggest
from calcgraph.core.spec.load import SetEntry
from calcgraph.core.units import to_unit
from calcgraph.engine.axes import parse_axes
from calcgraph.engine.checks import check_sides
from calcgraph.engine.evaluated import Evaluated, rebind
from calcgraph.engine.grid import iter_blocks
from calcgraph.errors import Argument, NoSolutionError, UnknownNameError

TOP = 12  # the best candidates kept for display (besides the best of each variant)
TIE = 1e-9  # relative difference of goals that counts as a tie
NO_VALUE = "no value"  # the reason of a candidate whose goal is not finite
DISTINCT = 10_000  # distinct better-than-winner goals kept to name the next better one


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
    """The winner, the best few candidates, and counts of the candidates tried, feasible and ruled out."""

    goal: str
    sense: str
    constraints: tuple  # the constraint texts
    winner: Candidate
    ranked: tuple  # the best feasible candidates, winner first, then by goal (ties in grid order)
    per_variant: tuple  # the best feasible candidate of each variant that has one
    feasible: int
    total: int
    ruled_out: tuple  # ((reason, count), ...) in order of first appearance
    variants: tuple = ()  # the variants tried (None: the scenario as it is)
    verification: tuple = field(default_factory=tuple)  # sentences: how the winner was checked


class _Stream:
    """What is kept of the candidates of one search while they stream by."""

    def __init__(self, sense: str, constraints: list):
        self.sign = 1.0 if sense == "max" else -1.0
        self.constraints = constraints
        self.index = 0  # grid-order index of the next block's first candidate
        self.total = self.feasible = 0
        self.top: list = []  # heap of (key, -index, candidate): the TOP best feasible
        self.records: list = []  # (key, index, candidate): running records within a tie of the best
        self.variant_best: dict = {}  # variant -> (key, -index, candidate)
        self.reasons: dict = {}  # reason -> (first index, order, count)
        self.closest = None  # (failing count, candidate) of the fewest failures
        self.better: dict = {}  # key of an infeasible candidate -> its first candidate
        self.better_complete = True  # False once keys had to be dropped (more than DISTINCT)

    def candidate(self, i: int) -> Candidate:
        """Candidate ``i`` of the current block."""
        variant, axes, block, goal, failing = self.block
        texts = tuple(c.text for c, f in zip(self.constraints, failing, strict=True) if f[i])
        return Candidate(variant=variant, settings=tuple((a.name, float(block[a.name][i])) for a in axes),
                         goal=float(goal[i]), feasible=not texts and bool(np.isfinite(goal[i])), failing=texts)

    def add(self, variant, axes, block: dict, goal: np.ndarray, failing: list) -> None:
        self.block = (variant, axes, block, goal, failing)
        fails = sum(failing, np.zeros(goal.size, int))
        ok = (fails == 0) & np.isfinite(goal)
        texts = [c.text for c in self.constraints] + [NO_VALUE]
        for order, (text, mask) in enumerate(zip(texts, [*failing, ~ok & (fails == 0)], strict=True)):
            count = int(np.count_nonzero(mask))
            if count:
                first, _, before = self.reasons.get(text, (self.index + int(np.argmax(mask)), order, 0))
                self.reasons[text] = (first, order, before + count)
        if not ok.all():
            counts = np.where(ok, np.iinfo(int).max, np.maximum(fails, 1))
            i = int(np.argmin(counts))
            if self.closest is None or counts[i] < self.closest[0]:
                self.closest = (int(counts[i]), self.candidate(i))
        bad = ~ok & np.isfinite(goal)  # infeasible goals better than the best so far: to name the next better
        if self.records:
            bad &= self.sign * goal > self.records[-1][0]
        if bad.any():
            keys, first = np.unique(self.sign * goal[bad], return_index=True)
            where = np.flatnonzero(bad)
            for k, i in zip(keys[:DISTINCT], first[:DISTINCT], strict=True):
                if float(k) not in self.better:
                    self.better[float(k)] = self.candidate(int(where[i]))
            if len(keys) > DISTINCT or len(self.better) > DISTINCT:
                self.better_complete = False
                self.better = dict(sorted(self.better.items())[:DISTINCT])
        self.total += goal.size
        self.feasible += int(ok.sum())
        if ok.any():
            self._best(np.where(ok, self.sign * goal, -np.inf), ok)
        self.index += goal.size

    def _best(self, key, ok) -> None:
        order = np.flatnonzero(ok)
        for i in order[np.argsort(-key[order], kind="stable")[:TOP + 1]]:
            entry = (float(key[i]), -(self.index + int(i)), self.candidate(int(i)))
            if len(self.top) < TOP + 1:
                heapq.heappush(self.top, entry)
            elif entry[:2] > self.top[0][:2]:
                heapq.heapreplace(self.top, entry)
            variant = entry[2].variant
            if variant not in self.variant_best or entry[:2] > self.variant_best[variant][:2]:
                self.variant_best[variant] = entry
        previous = self.records[-1][0] if self.records else -np.inf
        running = np.maximum.accumulate(np.concatenate([[previous], key]))
        for i in np.flatnonzero(key > running[:-1]):
            self.records.append((float(key[i]), self.index + int(i), self.candidate(int(i))))
        best = self.records[-1][0]
        self.records = [r for r in self.records if math.isclose(r[0], best, rel_tol=TIE, abs_tol=0)]
        self.better = {k: c for k, c in self.better.items() if k > best}

    def winner(self) -> Candidate:
        return self.records[0][2]

    def ranked(self) -> tuple:
        winner = self.winner()
        rest = [c for _, _, c in sorted(self.top, key=lambda e: (-e[0], -e[1])) if c != winner]
        return tuple([winner] + rest[:TOP - 1])

    def ruled_out(self) -> tuple:
        return tuple((text, count) for text, (_, _, count) in sorted(self.reasons.items(), key=lambda r: r[1][:2]))


def _failing(constraints, block: dict, size: int) -> list:
    return [~np.asarray(c.holds(*(np.broadcast_to(side, (size,)) for side in check_sides(c, block))), bool)
            for c in constraints]


def find_best(ev: Evaluated, goal: str, sense: str, wheres: list[str], varies: list[str]) -> BestResult:
    """Search every candidate of ``ev`` for the best ``goal`` (sense 'max' or 'min'), streaming the grid.
    NoSolutionError when no candidate satisfies the constraints."""
    graph = ev.graph
    if goal not in graph:
        raise UnknownNameError(f"unknown quantity {goal!r}", where=Argument("goal", goal),
                               hint=suggest(goal, graph.quantities), name=goal)
    constraints = [parse_constraint(text, graph.quantities, where=Argument("constraint", text)) for text in wheres]
    axes = parse_axes(list(varies), graph)
    names = list(dict.fromkeys([goal] + [a.name for a in axes] + [n for c in constraints for n in c.names]))
    variants = list(ev.spec.variants) if ev.scenario.variant is None and ev.spec.variants \
        else [ev.scenario.variant]
    stream = _Stream(sense, constraints)
    for variant in variants:
        current = rebind(ev, variant) if variant != ev.scenario.variant else ev
        blocks = iter_blocks(current.scenario, axes, names, solver=current.solver) if axes else \
            [{n: np.atleast_1d(np.asarray(current.values[n], dtype=float)) for n in names}]
        for block in blocks:
            goals = np.asarray(block[goal], float)
            stream.add(variant, axes, block, goals, _failing(constraints, block, goals.size))
    text = " and ".join(c.text for c in constraints) or "no constraint"
    if not stream.feasible:
        closest = stream.closest[1].failing if stream.closest else ()
        raise NoSolutionError(f"no candidate satisfies {text} ({stream.total} tried); the closest fails "
                              + (" and ".join(closest) or NO_VALUE), where=Argument("constraint", text),
                              hint="relax a constraint or widen the candidates")
    winner = stream.winner()
    per_variant = tuple(winner if v == winner.variant else stream.variant_best[v][2]
                        for v in variants if v in stream.variant_best)
    result = BestResult(goal=goal, sense=sense, constraints=tuple(c.text for c in constraints),
                        winner=winner, ranked=stream.ranked(), per_variant=per_variant,
                        feasible=stream.feasible, total=stream.total, ruled_out=stream.ruled_out(),
                        variants=tuple(variants))
    return _verified(ev, result, constraints, stream)


def _verified(ev: Evaluated, result: BestResult, constraints: list, stream: _Stream) -> BestResult:
    """For an integer goal: the winner re-evaluated on its own holds, and the next better goal fails."""
    unit = ev.graph[result.goal].unit
    shown = float(to_unit(result.winner.goal, unit))
    if not math.isclose(shown, round(shown), rel_tol=0, abs_tol=1e-9):
        return result
    sentences, checks = [], [("the winner", result.winner, True)]
    if stream.better and stream.better_complete:
        checks.append((f"the next {'higher' if result.sense == 'max' else 'lower'} {result.goal} among the "
                       "candidates", stream.better[min(stream.better)], False))
    for label, candidate, must_hold in checks:
        values = winner_evaluated(ev, replace(result, winner=candidate)).values
        failing = [c.text for c, f in zip(constraints, _failing(constraints, values, 1), strict=True) if f[0]]
        if must_hold and failing:
            raise NoSolutionError(f"could not verify the best candidate: evaluated on its own it fails "
                                  f"{' and '.join(failing)}", hint="report this: grid and scalar disagree")
        if not must_hold and not failing:
            raise NoSolutionError(f"could not verify the best candidate: a better {result.goal} "
                                  f"({float(to_unit(candidate.goal, unit)):g}) holds when evaluated on its own",
                                  hint="report this: grid and scalar disagree")
        sentences.append((label, candidate, tuple(failing)))
    return replace(result, verification=tuple(sentences))


def winner_evaluated(ev: Evaluated, result: BestResult) -> Evaluated:
    """The scenario at the winning candidate: its variant, with its settings given, evaluated."""
    entries = list(ev.scenario.entries)
    for name, value in result.winner.settings:
        unit = ev.graph[name].unit
        number = float(to_unit(value, unit))
        text = repr(int(number)) if math.isclose(number, round(number), rel_tol=0, abs_tol=1e-9) else repr(number)
        entries.append(SetEntry(name=name, where=f"best: {name}={text}", origin="best", value=f"{text} {unit.text}"))
    return rebind(ev, result.winner.variant, tuple(entries))
