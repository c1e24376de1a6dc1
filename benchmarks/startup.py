"""Start-up of the command line against the bare interpreter and bare library imports (issue 16).

Measured in the same run, in interleaved rounds (the machine is shared and noisy;
medians), each command in a fresh interpreter, wall time:

- ``calcgraph --help`` / ``python -c pass``                                     (target <= 3x)
- ``calcgraph eval`` answered from the compiled graph cache / ``python -c "import numpy"``  (target <= 2x)
- ``calcgraph eval --no-cache`` / ``python -c "import sympy, pint, networkx, yaml, numpy"`` (target <= 1.0x)
- ``calcgraph eval`` and the sweep below with an empty cache (a miss: evaluate, then write the entry) /
  the same with ``--no-cache``
- ``calcgraph check FILE`` answered from the cache / ``python -c pass``
- ``calcgraph sweep --vary batch=1:256 --only t_step`` answered from the cache / ``python -c "import numpy"``,
  and / the same sweep with ``--no-cache``
- the planner's ``calcgraph best`` (docs/planner.md) replayed from the cache / the same command with
  ``--no-cache`` (a solve or best that ran before prints its stored output: cli/replay.py)

The cache lives in a temporary folder (``CALCGRAPH_CACHE``), filled by one
normal run first. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CLI = [PY, "-m", "calcgraph"]
PLANNER = ["best", "scenarios/plan-llama3-70b-h100.yaml", "--minimize", "total_chips", "--where", "ttft <= 2 s",
           "--where", "tpot <= 50 ms", "--set", "request_rate=20 sequence/s", "--vary", "tp_degree=1,2,4,8",
           "--vary", "batch=1:512"]
COMMANDS = {
    "python -c pass": [PY, "-c", "pass"],
    "python -c 'import numpy'": [PY, "-c", "import numpy"],
    "bare imports": [PY, "-c", "import sympy, pint, networkx, yaml, numpy"],
    "calcgraph --help": [*CLI, "--help"],
    "eval (cache hit)": [*CLI, "eval"],
    "eval --no-cache": [*CLI, "eval", "--no-cache"],
    "eval (cache miss)": [*CLI, "eval"],
    "check (cache hit)": [*CLI, "check", "scenarios/llama3-70b-tpu-v5e.yaml"],
    "sweep (cache hit)": [*CLI, "sweep", "--vary", "batch=1:256", "--only", "t_step"],
    "sweep --no-cache": [*CLI, "sweep", "--vary", "batch=1:256", "--only", "t_step", "--no-cache"],
    "sweep (cache miss)": [*CLI, "sweep", "--vary", "batch=1:256", "--only", "t_step"],
    "planner best (replay)": [*CLI, *PLANNER],
    "planner best --no-cache": [*CLI, *PLANNER, "--no-cache"],
}
RATIOS = [("calcgraph --help", "python -c pass", 3.0),
          ("eval (cache hit)", "python -c 'import numpy'", 2.0),
          ("eval --no-cache", "bare imports", 1.0),
          ("eval (cache miss)", "eval --no-cache", None),
          ("check (cache hit)", "python -c pass", None),
          ("sweep (cache hit)", "python -c 'import numpy'", None),
          ("sweep (cache hit)", "sweep --no-cache", None),
          ("sweep (cache miss)", "sweep --no-cache", None),
          ("planner best (replay)", "python -c pass", None),
          ("planner best (replay)", "planner best --no-cache", None)]


def timed(command: list[str], env: dict, miss: bool = False) -> float:
    if miss:  # an empty cache folder: the run evaluates and writes its entry
        with tempfile.TemporaryDirectory() as empty:
            return timed(command, {**env, "CALCGRAPH_CACHE": empty})
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main(rounds: int = 9) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "CALCGRAPH_CACHE": cache}
        for command in COMMANDS.values():  # fill the cache, warm the file cache
            timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(rounds):
            for name, command in COMMANDS.items():
                times[name].append(timed(command, env, miss="miss" in name))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()}; medians of {rounds} interleaved rounds, wall time")
    for name, value in median.items():
        print(f"  {name:26s} {value * 1000:7.1f} ms")
    for ours, base, target in RATIOS:
        goal = f"(target <= {target:g}x)" if target else ""
        print(f"  {ours} / {base}: {median[ours] / median[base]:.2f}x {goal}".rstrip())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
