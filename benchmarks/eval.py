"""Wall time of `calcgraph eval` on the default scenario against ``python -c "import pint"`` (issue 24).

pint's import is the floor (units stay pint's job); target: eval at most 1.5x
of it, both measured alternately in the same run (the machine is shared and
noisy; medians of several rounds). calcgraph keeps no cache: each run parses,
checks and evaluates. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = [sys.executable, "-c", "import pint"]
EVAL = [sys.executable, "-m", "calcgraph", "eval"]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(rounds: int = 7) -> None:
    timed(BASELINE), timed(EVAL)  # warm the file cache
    base, ours = [], []
    for _ in range(rounds):
        base.append(timed(BASELINE))
        ours.append(timed(EVAL))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"import pint      median {b * 1000:7.1f} ms  ({rounds} rounds)")
    print(f"calcgraph eval   median {o * 1000:7.1f} ms")
    print(f"ratio            {o / b:.2f}x  (target <= 1.5x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
