"""Start-up of the command line against the bare interpreter and pint's import (issues 16, 24).

Measured in the same run, in interleaved rounds (the machine is shared and noisy;
medians), each command in a fresh interpreter, wall time. calcgraph keeps no
cache: every run parses, checks and evaluates.

- ``calcgraph --help`` / ``python -c pass``                             (target <= 3x)
- ``calcgraph eval`` / ``python -c "import pint"``                      (target <= 1.5x: pint's import is the floor)
- ``calcgraph verify`` / ``calcgraph eval``                             (target <= 1.3x)
- ``calcgraph check FILE`` / ``calcgraph eval``
- ``calcgraph sweep --vary batch=1:256 --only t_step`` / ``calcgraph eval``
- the planner's ``calcgraph best`` (docs/planner.md) / ``calcgraph eval``
- a 10^6-point sweep of 20 columns to CSV / ``calcgraph eval``             (target <= 5x)

Prints the figures; asserts nothing.
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
SWEEP_CSV = Path(tempfile.gettempdir()) / "calcgraph-startup-sweep.csv"
# 17 quantities: with the two axes and checks_failed, 20 columns (issue 24's CSV target: <= 5x eval)
WIDE = ["kv_per_token", "kv_cache_bytes", "total_memory", "min_chips", "b_crit", "t_step", "throughput",
        "throughput_per_chip", "max_batch", "t_param_load", "t_kv_load", "t_flops", "t_comm", "ttft", "tpot",
        "cost_per_million_tokens", "kv_cache_allocated"]
COMMANDS = {
    "python -c pass": [PY, "-c", "pass"],
    "python -c 'import pint'": [PY, "-c", "import pint"],
    "calcgraph --help": [*CLI, "--help"],
    "eval": [*CLI, "eval"],
    "verify": [*CLI, "verify"],
    "check": [*CLI, "check", "scenarios/llama3-70b-tpu-v5e.yaml"],
    "sweep": [*CLI, "sweep", "--vary", "batch=1:256", "--only", "t_step"],
    "planner best": [*CLI, *PLANNER],
    "sweep 10^6 x 20 to CSV": [*CLI, "sweep", "--vary", "batch=1:1000", "--vary", "seq_len=1024:1024000:1024",
                               *(f"--only={n}" for n in WIDE), "--csv", str(SWEEP_CSV)],
}
RATIOS = [("calcgraph --help", "python -c pass", 3.0),
          ("eval", "python -c 'import pint'", 1.5),
          ("verify", "eval", 1.3),
          ("check", "eval", None),
          ("sweep", "eval", None),
          ("planner best", "eval", None),
          ("sweep 10^6 x 20 to CSV", "eval", 5.0)]


def timed(command: list[str]) -> float:
    if str(SWEEP_CSV) in command:  # each sweep writes a new file: freeing the last run's 270 MB is not writing
        SWEEP_CSV.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(rounds: int = 9) -> None:
    for command in COMMANDS.values():  # warm the file cache
        timed(command)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    try:
        for _ in range(rounds):
            for name, command in COMMANDS.items():
                times[name].append(timed(command))
    finally:
        SWEEP_CSV.unlink(missing_ok=True)  # 270 MB nobody asked to keep
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
