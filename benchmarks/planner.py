"""The capacity planner's question, timed and counted: `calcgraph best` on the H100 planning scenario.

    calcgraph best scenarios/plan-llama3-70b-h100.yaml --minimize total_chips \\
        --where "ttft_p99 <= 2 s" --where "tpot_p99 <= 50 ms" --set "request_rate=20 sequence/s" \\
        --vary tp_degree=1,2,4,8 --vary batch=1:512

Counts the graph evaluations the search makes (each a vectorised pass over a
block of candidates; solve-node evaluations counted apart) and times the
search against one scalar evaluation of the same scenario measured in the same
run (medians of several rounds: the machine is shared). The grid must be
evaluated vectorised: far fewer graph evaluations than candidates. Then checks
the answer: the winner holds when evaluated on its own and the next lower
total_chips among the candidates fails (engine/best.py verifies it and says
so in the output). Prints the figures; exits 1 if a check fails.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import calcgraph  # noqa: E402
from calcgraph.core.evaluate import evaluate  # noqa: E402
from calcgraph.engine import best, evaluated, grid  # noqa: E402
from calcgraph.engine.solve import problem  # noqa: E402
from calcgraph.engine.solve.nodes import NodeSolver  # noqa: E402

SCENARIO = ROOT / "scenarios" / "plan-llama3-70b-h100.yaml"
WHERE = ["ttft_p99 <= 2 s", "tpot_p99 <= 50 ms"]
VARY = ["tp_degree=1,2,4,8", "batch=1:512"]


class Counter:
    """Wraps a function of a module (or a method of a class) and counts its calls."""

    def __init__(self, module, name: str):
        self.module, self.name, self.original = module, name, getattr(module, name)
        self.calls = 0

        def counted(*args, **kwargs):
            self.calls += 1
            return self.original(*args, **kwargs)
        setattr(module, name, counted)  # a function, so that it binds as a method too

    def restore(self) -> None:
        setattr(self.module, self.name, self.original)


def scalar_seconds(model, rounds: int) -> float:
    """Median wall time of one scalar evaluation of the whole graph (a fresh solver each time)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        evaluate(model.scenario, solver=NodeSolver(model.scenario))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def result_layout(model, winner: dict) -> dict:
    """The winner evaluated on its own: chips, pp_degree, replicas and total_chips (declared units)."""
    at = model.set(**{n: float(v) for n, v in winner.items()})
    return {n: at.value(n) for n in ("chips", "pp_degree", "replicas", "total_chips")}


def search(model):
    return best.find_best(model.evaluated, "total_chips", "min", WHERE, VARY)


def main(rounds: int = 5) -> int:
    model = calcgraph.load(str(SCENARIO), set={"request_rate": "20 sequence/s"})
    model.evaluated  # noqa: B018 - bind and evaluate the scenario once, outside the timings
    search(model)  # warm caches (compiled formulas)
    blocks = Counter(grid, "evaluate")
    scalars = Counter(evaluated, "evaluate")
    sides = Counter(problem.Problem, "sides_at")
    try:
        result = search(model)
    finally:
        for counter in (blocks, scalars, sides):
            counter.restore()
    durations, singles = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        search(model)
        durations.append(time.perf_counter() - start)
        singles.append(scalar_seconds(model, 3))
    searched, single = statistics.median(durations), statistics.median(singles)
    print(f"candidates                {result.total:,} ({result.feasible:,} feasible)")
    print(f"graph evaluations         {blocks.calls} over the grid (vectorised blocks), "
          f"{scalars.calls} scalar (winner and its checks), {sides.calls} solve-node passes")
    print(f"best, median              {searched * 1000:8.1f} ms  ({rounds} rounds)")
    print(f"one scalar evaluation     {single * 1000:8.1f} ms")
    print(f"ratio                     {searched / single:8.1f}x one scalar evaluation "
          f"(candidate by candidate would be about {result.total:,}x)")
    winner = dict(result.winner.settings)
    layout = result_layout(model, winner)
    print(f"winner                    total_chips = {result.winner.goal:g} at tp_degree = {winner['tp_degree']:g}, "
          f"batch = {winner['batch']:g} ({layout['replicas']:g} replicas of {layout['chips']:g} chips)")
    ok = blocks.calls < result.total / 100
    for label, candidate, failing in result.verification:
        settings = ", ".join(f"{n} = {v:g}" for n, v in candidate.settings)
        print(f"verified                  {label} ({candidate.goal:g} at {settings}): "
              + (f"fails {' and '.join(failing)}" if failing else "holds"))
    checks = {label.split()[1]: failing for label, _, failing in result.verification}
    ok &= checks.get("winner") == () and bool(checks.get("next"))
    ok &= layout["chips"] == winner["tp_degree"] * layout["pp_degree"]  # the layout is consistent
    ok &= layout["total_chips"] == result.winner.goal
    print("checks                    " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
