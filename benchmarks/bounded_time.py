"""Bounded time: what tests/ checks for behaviour, timed here against the bounds the tests used to assert.

Each case runs in this process (medians of ROUNDS; the machine is shared and
noisy) and is printed with its former bound and its ratio to a baseline measured
in the same run: loading and evaluating the default scenario (``calcgraph.load()``
then every value). Cases: the symbolic budget (a 41-level rational chain, a step
past its time, an alarm a gc callback swallows or delays), ruinous formula text,
refusals of bad values and files, a power with a tiny exponent, and ``check`` of
a file with 20,000 unknown names. Prints the figures; asserts nothing.
Usage: ``python benchmarks/bounded_time.py [ROUNDS]``.
"""

from __future__ import annotations

import gc
import io
import os
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402

import calcgraph  # noqa: E402
from calcgraph.cli import main  # noqa: E402
from calcgraph.core.formula.parse import parse_formula  # noqa: E402
from calcgraph.engine import budget  # noqa: E402
from calcgraph.errors import CalcgraphError  # noqa: E402


def chain(levels: int) -> sympy.Expr:
    q = sympy.Symbol("q0")
    for _ in range(levels):
        q = q * q / (q + 1) + q / 2
    return q


def forever():
    while True:
        pass


def swallows_the_first_alarm():
    try:
        forever()
    except budget.TimeUp:
        pass
    forever()


def gc_delayed():
    def callback(phase, info):
        if phase == "start":
            deadline = time.monotonic() + 0.05
            while time.monotonic() < deadline:
                pass
    gc.callbacks.append(callback)
    try:
        def collects_forever():
            while True:
                gc.collect()
                deadline = time.monotonic() + 0.01
                while time.monotonic() < deadline:
                    pass
        budget.attempt(collects_forever, seconds=0.1)
    finally:
        gc.callbacks.remove(callback)


def ruinous():
    for text in ["9**9**9", "10**400", "1" * 100, "(" * 500 + "1" + ")" * 500, "-" * 100_000 + "1", "a" * 5000,
                 "2**2**2**2**2**2**2**2**2**2"]:
        try:
            parse_formula(text)
        except CalcgraphError:
            pass


def cli(*args: str) -> None:
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        main(list(args))


def cases(folder: str) -> list[tuple[str, float, object]]:
    """(name, the bound the test asserted in seconds, the work)."""
    spaces = os.path.join(folder, "v.yaml")
    Path(spaces).write_text("quantities:\n  x: {unit: B, doc: d, value: \"1" + " " * 100_000 + "x\"}\n")
    power = os.path.join(folder, "p.yaml")
    Path(power).write_text("quantities:\n  y: {unit: '1', doc: d, formula: 'ceil(93e93 ** 93e-208)'}\n")
    many = os.path.join(folder, "many.yaml")
    lines = ["quantities:", " x: {unit: '1', doc: d, value: 1}"]
    lines += [f" q{i}: {{unit: '1', doc: d, formula: x+u{i}}}" for i in range(20_000)]
    Path(many).write_text("\n".join(lines) + "\n")
    return [
        ("budget: 41-level chain measured", 5, lambda: budget.tree_size(chain(40))),
        ("budget: a step past its time", 2, lambda: budget.attempt(forever, seconds=0.2)),
        ("budget: an alarm swallowed once", 2, lambda: budget.attempt(swallows_the_first_alarm, seconds=0.2)),
        ("budget: an alarm in a gc callback", 3, gc_delayed),
        ("ruinous formula text (7 texts)", 0.5 * 7, ruinous),
        ("--set with 100,000 spaces", 3, lambda: cli("eval", "--set", "batch=1" + " " * 100_000 + "x")),
        ("--vary with 100,000 spaces", 3, lambda: cli("sweep", "--vary", "batch=1" + " " * 100_000 + "x,2")),
        ("YAML value with 100,000 spaces", 3, lambda: cli("eval", spaces)),
        ("/proc/self/mem refused", 5, lambda: cli("eval", "/proc/self/mem")),
        ("ceil(93e93 ** 93e-208)", 5, lambda: calcgraph.load(power).value("y")),
        ("check of 20,000 unknown names", 100, lambda: cli("check", many)),
    ]


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def baseline() -> None:
    model = calcgraph.load()
    for name in model.names():
        model.value(name)


def main_(rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="calcgraph-bounded-") as folder:
        work = cases(folder)
        base, times = [], {name: [] for name, _, _ in work}
        timed(baseline)  # warm: imports, file cache
        for _ in range(rounds):
            base.append(timed(baseline))
            for name, _, case in work:
                times[name].append(timed(case))
    b = statistics.median(base)
    print(f"baseline: load + evaluate the default scenario {b * 1000:.1f} ms [{rounds} rounds, medians]")
    print(f"{'case':36s} {'seconds':>8s} {'bound':>7s} {'x baseline':>11s}")
    for name, bound, _ in work:
        t = statistics.median(times[name])
        print(f"{name:36s} {t:8.3f} {bound:7.1f} {t / b:10.1f}x{'' if t < bound else '  OVER THE BOUND'}")


if __name__ == "__main__":
    main_(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
