"""One scalar configuration of the whole default graph: Model.evaluator against Model.set(...).value.

Both run in this process, interleaved, on the same points (batch 1..64 at the
default seq_len); best of several rounds (the machine is shared and noisy).
Measured: the evaluator returning every quantity of the default graph (target
<= 30 us per configuration; ``max_batch`` does not read ``batch``, so its solve is
remembered), the same with ``seq_len`` new at every call (the solve scanned each
time), the evaluator returning t_step alone, and the
current loop ``model.set(batch=b).value(name)`` for every name. Prints the
figures, the ratio, and a profile of where the evaluator's time goes.
Usage: ``python benchmarks/fast_api.py [ROUNDS]``.
"""

from __future__ import annotations

import cProfile
import io
import os
import platform
import pstats
import sys
import time

import calcgraph


def per_call(function, points, rounds: int) -> float:
    """Best-of-``rounds`` seconds per call of ``function(point)`` over ``points``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for point in points:
            function(point)
        best = min(best, (time.perf_counter() - start) / len(points))
    return best


def main(rounds: int = 5) -> None:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    model = calcgraph.load()
    names = model.names()
    start = time.perf_counter()
    whole = model.evaluator(names, ["batch"])
    compiled = time.perf_counter() - start
    one = model.evaluator(["t_step"], ["batch"])
    points = [float(b) for b in range(1, 65)] * 50
    slow_points = points[:16]
    fast = per_call(whole, points, rounds)
    single = per_call(one, points, rounds)

    def every(b):
        configured = model.set(batch=b)
        return [configured.value(n) for n in names]

    slow = per_call(every, slow_points, max(1, rounds // 2))
    slow_one = per_call(lambda b: model.set(batch=b).value("t_step"), slow_points, max(1, rounds // 2))
    agree = all(a == b for b in (1.0, 43.0, 64.0)
                for a, b in [(whole(b)[names.index("t_step")], model.set(batch=b).value("t_step"))])
    print(f"graph             {len(names)} quantities, evaluator compiled in {compiled * 1000:.1f} ms")
    print(f"Model.set(batch=b).value(every name)  {slow * 1e6:10.1f} us per configuration")
    print(f"Model.set(batch=b).value('t_step')    {slow_one * 1e6:10.1f} us")
    print(f"evaluator, every quantity             {fast * 1e6:10.1f} us  (target <= 30 us; "
          f"{slow / fast:,.0f}x faster)")
    print(f"evaluator, t_step alone               {single * 1e6:10.1f} us  ({slow_one / single:,.0f}x faster)")
    print(f"agreement with Model.set(...).value   {'identical' if agree else 'DIFFERENT'} (t_step at 1, 43, 64)")
    by_seq = model.evaluator(names, ["seq_len"])
    fresh = [1000.0 + i for i in range(len(points))]  # every call a new seq_len: max_batch's scan each time
    memos = [v for k, v in by_seq._fast.__globals__.items() if k.startswith("_memo_")]

    def forgetting(s):
        for memo in memos:
            memo.clear()
        return by_seq(s)
    changing = per_call(forgetting, fresh, rounds)
    print(f"evaluator, the solve's inputs new each call {changing * 1e6:6.1f} us  (max_batch scanned, as "
          "engine.solve.scalar scans, at every call)")
    profile = cProfile.Profile()
    profile.enable()
    for point in points:
        whole(point)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(6)
    print("profile of the evaluator (tottime; the generated function is <calcgraph generated _plan>):")
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    print("\n".join(line for line in lines[start:] if line.strip()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
