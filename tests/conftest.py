"""Shared helpers: paths, and running the CLI in-process with captured output."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from calcgraph.cli import main

# the compiled graph cache of the whole run (subprocesses too) lives in a temporary folder, never the user's
os.environ["CALCGRAPH_CACHE"] = tempfile.mkdtemp(prefix="calcgraph-test-cache-")

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


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A fresh compiled graph cache folder for one test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CALCGRAPH_CACHE", str(folder))
    return folder


def fixture(name: str) -> str:
    """The path of a test fixture."""
    return str(FIXTURES / name)
