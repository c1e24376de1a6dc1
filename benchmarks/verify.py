"""`calcgraph verify` (every scenario's expectations) against `calcgraph eval`, CPU time in-process.

Both run in fresh subprocesses, alternated, medians of ROUNDS; imports are
included in both, and both parse, check and evaluate (calcgraph keeps no cache).
Target from issues 16 and 24: verify / eval <= 1.3x.
Usage: ``python benchmarks/verify.py [ROUNDS]``.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "calcgraph", *args], cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def compare(rounds: int, extra: list[str], label: str) -> None:
    timed(["eval", *extra]), timed(["verify", *extra])  # warm the file system
    ev, ve = [], []
    for _ in range(rounds):
        ev.append(timed(["eval", *extra]))
        ve.append(timed(["verify", *extra]))
    e, v = statistics.median(ev), statistics.median(ve)
    print(f"{label}:")
    print(f"  calcgraph eval    median {e:6.3f} s")
    print(f"  calcgraph verify  median {v:6.3f} s")
    print(f"  ratio             {v / e:.2f}x  (target <= 1.3x)  [{rounds} rounds]")


def main(rounds: int = 5) -> None:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    compare(rounds, [], "eval and verify, each parsing, checking and evaluating")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
