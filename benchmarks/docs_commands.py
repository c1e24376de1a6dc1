"""Every `calcgraph` command README.md and docs/*.md show, run and timed; the ones marked long checked here.

tests/test_docs.py runs each documented command and compares its output with
the docs, except those after a ``<!-- docs-test: long -->`` mark: this script
runs those too, with the same comparison, and prints each command's time as a
ratio to `calcgraph eval` of the default scenario measured in the same run (so
a slow command can be marked long, and a long one unmarked when it got fast).
Usage: ``python benchmarks/docs_commands.py [--all]`` (``--all``: time every
command, not only the long ones). Exit 1 when a long command's output differs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's calcgraph and the docs-test helpers

from doccommands import Step, doc_steps, figure_problems, output_problems  # noqa: E402
from test_docs import run_step  # noqa: E402


def _sandbox(base: Path, name: str) -> Path:
    folder = base / name.replace("/", "_")
    folder.mkdir()
    for part in ("formulas", "presets", "scenarios", "tests", "benchmarks"):
        (folder / part).symlink_to(ROOT / part)
    return folder


def _timed(step: Step, folder: Path) -> tuple[float, int, str, str]:
    start = time.perf_counter()
    status, out, err = run_step(step, folder)
    return time.perf_counter() - start, status, out, err


def main(argv: list[str]) -> int:
    """Run the long documented commands (every one with ``--all``); print times against `eval`."""
    everything = "--all" in argv
    steps = doc_steps()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.environ["CALCGRAPH_CACHE"] = str(base / "cache")  # no file outside the run's own folder
        os.environ.setdefault("COLUMNS", "100")  # the width the docs' tables were printed at
        reference = Step("benchmark", 0, "calcgraph", "calcgraph eval")
        baseline = min(_timed(reference, _sandbox(base, f"eval{i}"))[0] for i in range(3))
        print(f"calcgraph eval (default scenario, in-process): {baseline * 1e3:.1f} ms = 1.0x")
        folders: dict = {}
        for step in steps:
            if step.skip or step.inline and not everything:
                continue
            if step.file not in folders:
                folders[step.file] = _sandbox(base, step.file)
            folder = folders[step.file]
            seconds, status, out, err = _timed(step, folder)
            if step.kind != "calcgraph" or not (step.long or everything):
                continue
            problem = None
            if step.expected:
                problems = [output_problems(step.expected, text) for text in (err + out, out + err)]
                problem = None if None in problems else problems[0]
            elif status != 0:
                problem = f"exit {status}: {err.strip()}"
            missing = figure_problems(step.figures, out + err)
            if missing:
                problem = (problem or "") + f" figures not printed: {', '.join(missing)}"
            failed += problem is not None
            mark = "long" if step.long else "    "
            print(f"{mark} {seconds / baseline:7.1f}x  {step.id}  {step.text[:70]}"
                  + (f"\n      DIFFERS: {problem}" if problem else ""))
    print(f"{failed} documented command(s) differ from the docs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
