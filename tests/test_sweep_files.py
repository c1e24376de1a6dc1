"""Sweep files written while the grid is evaluated: whichever writer, the CSV holds the exact values.

Whichever writer formats the CSV (polars or Python), it writes the same bytes, and a number parses back to
the exact float computed; nothing is left half-written on an error.
"""

from __future__ import annotations

import sys
import tempfile

import numpy as np
import pytest
from conftest import ROOT, fixture

import calcgraph
from calcgraph.engine.axes import parse_axes
from calcgraph.render.sweep import files as sweepfiles
from calcgraph.render.sweep.columns import CHECKS_COLUMN, SweepRun, csv_header, output_columns
from calcgraph.render.sweep.files import csv_writer, pipelined

try:
    import polars as pl
except ImportError:  # the Python writer is tested without it; what polars writes, where it is installed
    pl = None
needs_polars = pytest.mark.skipif(pl is None, reason="polars is not installed (pip install 'calcgraph[fastcsv]')")

GRIDS = [  # (scenario or fixture, varied axes, --only)
    (None, ["batch=1:300:7", "seq_len=128:64000:1280"], None),                  # every column, two axes
    (None, ["seq_len=128:64000:1280", "batch=1:300"], None),                   # several blocks of 4,096 points
    (None, ["chips=4,8", "batch=1:2000", "seq_len=1024,8192,32768"], None),    # blocks inside one chips value
    (None, ["chips=2:16:2", "batch=1,8,64,512", "seq_len=1024,8192,32768"], None),  # three axes, NaN max_batch
    (None, ["batch=1:2000:3"], ["t_step", "max_batch", "cost_per_million_tokens", "layers"]),  # --only
    (str(ROOT / "scenarios" / "latency-throughput-v5e-4x4.yaml"), ["batch=1:64", "seq_len=512,2048"], None),
    (fixture("div_zero.yaml"), ["chips=0:9", "param_bytes=0:1e12:1e11"], None),  # 0/0 and x/0: nan, inf
]


class Sink:
    """A binary file in memory."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def text(self) -> str:
        return b"".join(self.parts).decode()


def written(model, axes, columns, writer: str) -> str:
    sink = Sink()
    header = csv_header(model.graph, columns) + "\n"
    sweepfiles.write_csv(sink, SweepRun(model.scenario, axes, columns, chunk=2 ** 12), header, writer)
    return sink.text()


def cells(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()]


@needs_polars
@pytest.mark.parametrize(("path", "vary", "only"), GRIDS)
def test_polars_writes_the_bytes_python_writes_and_the_exact_values(path, vary, only):
    model = calcgraph.load(path) if path else calcgraph.load()
    axes = parse_axes(vary, model.graph)
    columns = output_columns(model.scenario, axes, only)
    fast = written(model, axes, columns, "polars")
    assert fast == written(model, axes, columns, "python")
    run = SweepRun(model.scenario, axes, columns)
    names = [*columns, *([CHECKS_COLUMN] if run.checked else [])]
    exact = np.concatenate([np.column_stack([b[n] for n in names])
                            for b in SweepRun(model.scenario, axes, columns, arrays=True)])
    got = np.array(cells(fast)[1:], dtype=float)  # "nan", "inf", integers and shortest round-trip text all parse
    assert np.array_equal(got, exact, equal_nan=True)  # exact, not 10 digits of them


@pytest.mark.parametrize("writer", ["polars", "python"])
def test_whole_numbers_are_integers_and_no_value_is_nan(writer):
    if writer == "polars" and pl is None:
        pytest.skip("polars is not installed")
    model = calcgraph.load(fixture("div_zero.yaml"))
    axes = parse_axes(["chips=0:3"], model.graph)
    columns = output_columns(model.scenario, axes, None)
    header, *rows = written(model, axes, columns, writer).splitlines()
    assert [row.split(",")[0] for row in rows] == ["0", "1", "2", "3"]  # chips: 1, not 1.0
    assert rows[0] == "0,70,nan"  # 70 GB / 0 chips: no value
    assert rows[3] == "3,70,23.333333333333332"  # the exact float
    assert header == "chips [chip],param_bytes [GB],per_chip [GB/chip]"


def test_small_grids_and_missing_polars_use_the_python_writer(monkeypatch):
    assert csv_writer(sweepfiles.FAST_FROM) == ("python" if pl is None else "polars")
    assert csv_writer(sweepfiles.FAST_FROM - 1) == "python"  # importing polars would cost more than it saves
    monkeypatch.setitem(sys.modules, "polars", None)
    assert csv_writer(10 ** 7) == "python"


@needs_polars
def test_a_failing_block_leaves_no_file_and_the_previous_one_intact(run, tmp_path, monkeypatch):
    out = tmp_path / "g.csv"
    out.write_text("before\n")
    monkeypatch.setattr(sweepfiles, "csv_writer", lambda points: "polars")  # past the probe

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(sweepfiles, "polars_column", broken)
    status, _, err = run("sweep", "--vary", "batch=1:5", "--csv", out)
    assert status != 0 and "No space left on device" in err
    assert out.read_text() == "before\n" and [p.name for p in tmp_path.iterdir()] == ["g.csv"]


def test_the_writer_thread_raises_its_error_here_and_stops():
    seen = []

    def consume(item):
        seen.append(item)
        if item == 2:
            raise ValueError("disk full")
    with pytest.raises(ValueError, match="disk full"):
        pipelined(iter(range(100)), consume)
    assert seen == [0, 1, 2]

    def produce():
        yield 1
        raise KeyError("bad block")
    with pytest.raises(KeyError):
        pipelined(produce(), seen.append)


@needs_polars
def test_stdout_and_file_hold_the_same_polars_text(run, tmp_path, monkeypatch):
    monkeypatch.setattr(sweepfiles, "FAST_FROM", 0)
    args = ["sweep", "--vary", "batch=1:40", "--vary", "seq_len=1024,8192", "--only", "t_step", "--only", "layers"]
    status, out, _ = run(*args)
    assert status == 0 and run(*args, "--csv", tmp_path / "g.csv")[0] == 0
    assert (tmp_path / "g.csv").read_text() == out
    assert out.splitlines()[1] == "1,1024,0.010828359901234567,80,0"  # t_step at batch 1, 1024 tokens: exact


def test_without_a_writable_temporary_folder_the_csv_is_written(run, tmp_path, monkeypatch):
    monkeypatch.setattr(sweepfiles, "FAST_FROM", 0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    assert run("sweep", "--vary", "batch=1:3", "--only", "t_step", "--csv", tmp_path / "g.csv")[0] == 0
    assert (tmp_path / "g.csv").read_text().splitlines()[1] == "1,0.011009595259259259,0"  # the exact value


@needs_polars
def test_a_polars_whose_api_differs_leaves_the_csv_to_python(monkeypatch):
    def missing(*args, **kwargs):
        raise AttributeError("'ExprStringNameSpace' object has no attribute 'strip_prefix'")
    monkeypatch.setattr(sweepfiles, "_exponents", missing)
    assert csv_writer(10 ** 7) == "python"
