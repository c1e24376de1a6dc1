"""Solves against the chapter's brute-force loop, in the same run.

For each question: the number of graph evaluations and the wall time of
``solve_for`` (after loading), against evaluating the graph at every
batch size from 1 to 1023, as the chapter does. Targets: at most 30
evaluations per solve and under 50 ms added beyond loading. Also the time
the solve adds to a whole ``calcgraph solve`` command over ``calcgraph
eval``. Prints the figures; asserts nothing (the machines are shared).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import calcgraph
from calcgraph.core.evaluate import evaluate
from calcgraph.engine.solve.inverse import solve_for

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    ("largest batch that fits, v5e 4x2", {}, "batch", ["total_memory <= hbm_capacity"], True),
    ("largest batch that fits, v5e 4x4", {"chips": 16}, "batch", ["total_memory <= hbm_capacity"], True),
    ("fewest chips for batch 32", {}, "chips", ["total_memory <= hbm_capacity"], True),
    ("largest batch under 15 ms", {}, "batch", ["t_step <= 15 ms", "total_memory <= hbm_capacity"], True),
    ("longest context that fits", {}, "seq_len", ["total_memory <= hbm_capacity"], False),
]


def brute_force(model) -> tuple[int, int]:
    """The chapter's loop: evaluate every batch size 1..1023, keep the largest that fits."""
    best = 0
    for batch in range(1, 1024):
        env = evaluate(model.scenario, overrides={"batch": float(batch)}, names=["total_memory", "hbm_capacity"])
        if env["total_memory"] <= env["hbm_capacity"]:
            best = batch
    return best, 1023


def median_time(function, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command_time(args: list[str], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "calcgraph", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"{'question':36} {'answer':>12} {'evals':>5} {'points':>6} {'time':>9}")
    for title, sets, name, wheres, integer in QUESTIONS:
        model = calcgraph.load(set=sets)
        model.raw  # noqa: B018 - evaluate once, as loading does
        result = solve_for(model.evaluated, name, wheres, integer=integer)
        seconds = median_time(lambda m=model, n=name, w=wheres, i=integer: solve_for(m.evaluated, n, w, integer=i))
        print(f"{title:36} {result.shown:12.6g} {result.evaluations:5d} {result.points:6d} {seconds * 1e3:7.2f} ms")
    model = calcgraph.load(set={"chips": 16})
    answer, count = brute_force(model)
    seconds = median_time(lambda: brute_force(model), rounds=3)
    print(f"{'chapter loop, batch 1..1023, 4x4':36} {answer:12d} {count:5d} {count:6d} {seconds * 1e3:7.2f} ms")
    eval_time = command_time(["eval"])
    solve_time = command_time(["solve", "--for", "batch", "--where", "total_memory <= hbm_capacity", "--integer"])
    print(f"\ncalcgraph eval   median {eval_time * 1e3:7.1f} ms")
    print(f"calcgraph solve  median {solve_time * 1e3:7.1f} ms  (adds {(solve_time - eval_time) * 1e3:+.1f} ms; "
          "target < 50 ms)")


if __name__ == "__main__":
    main()
