"""Shared helpers: paths, and running the CLI in-process with captured output."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import pytest

from calcgraph.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT = ROOT / "scenarios" / "llama3-70b-tpu-v5e.yaml"


@pytest.fixture
def run(capsys, monkeypatch):
    """Run ``calcgraph ARGS...`` from the repository root; return (status, stdout, stderr)."""
    monkeypatch.chdir(ROOT)

    def runner(*args: str):
        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, err
    return runner


def fixture(name: str) -> str:
    """The path of a test fixture."""
    return str(FIXTURES / name)


@functools.cache
def scenario_report(path: Path) -> str:
    """A scenario file's report, rendered from the repository root once per test run (a planner's takes 20 s)."""
    import calcgraph
    from calcgraph.render.report.document import render_report
    with contextlib.chdir(ROOT):
        return render_report(calcgraph.load(path.relative_to(ROOT)).evaluated)
