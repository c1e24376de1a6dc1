"""Sweep files written while the grid is evaluated: whichever writer, the CSV holds the exact values.

Whichever writer formats the CSV (polars or numpy), a number parses back to the
exact float computed. Columns that do not vary, the header and ``checks_failed``
are the same text either way; nothing is left half-written on an error.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from conftest import ROOT, fixture
from hypothesis import given, settings
from hypothesis import strategies as st

import calcgraph
from calcgraph.engine.axes import parse_axes
from calcgraph.render.sweep import files as sweepfiles
from calcgraph.render.sweep.columns import CHECKS_COLUMN, SweepRun, csv_header, output_columns
from calcgraph.render.sweep.files import csv_writer, pipelined
from calcgraph.render.sweep.polars_csv import CSV_OPTIONS, number_series, number_texts

try:
    import polars as pl
except ImportError:  # the numpy writer is tested without it; what polars writes, where it is installed
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
def test_polars_writes_the_exact_values_and_the_same_header_and_constants_as_numpy(path, vary, only):
    model = calcgraph.load(path) if path else calcgraph.load()
    axes = parse_axes(vary, model.graph)
    columns = output_columns(model.scenario, axes, only)
    fast, reference = cells(written(model, axes, columns, "polars")), cells(written(model, axes, columns, "numpy"))
    assert fast[0] == reference[0] and len(fast) == len(reference)
    run = SweepRun(model.scenario, axes, columns)
    names = [*columns, *([CHECKS_COLUMN] if run.checked else [])]
    exact = np.concatenate([np.column_stack([b[n] for n in names])
                            for b in SweepRun(model.scenario, axes, columns, arrays=True)])
    got = np.array(fast[1:], dtype=float)  # "nan", "inf", integers and shortest round-trip text all parse
    varying = [j for j, n in enumerate(names) if n in run.varying or n == CHECKS_COLUMN]
    assert np.array_equal(got[:, varying], exact[:, varying], equal_nan=True)  # exact, not 10 digits of them
    assert np.array_equal(got, np.array(reference[1:], dtype=float), equal_nan=True)  # numpy's: exact too
    for j, name in enumerate(names):  # constant columns: the same text
        if name not in run.varying:
            assert {row[j] for row in fast[1:]} == {row[j] for row in reference[1:]}


@needs_polars
def test_whole_numbers_are_integers_and_no_value_is_nan():
    model = calcgraph.load(fixture("div_zero.yaml"))
    axes = parse_axes(["chips=0:3"], model.graph)
    columns = output_columns(model.scenario, axes, None)
    header, *rows = written(model, axes, columns, "polars").splitlines()
    assert [row.split(",")[0] for row in rows] == ["0", "1", "2", "3"]  # chips: 1, not 1.0
    assert rows[0] == "0,70,nan"  # 70 GB / 0 chips: no value, as the numpy writer writes it
    assert rows[3] == "3,70,23.333333333333332"  # the exact float
    assert header == "chips [chip],param_bytes [GB],per_chip [GB/chip]"


FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 5e-324, 1e-300, 2.0 ** 53, 2.0 ** 53 - 1, -(2.0 ** 53), 1e22, 1.7976931348623157e308, 0.1, 1e-7])


@needs_polars
@settings(max_examples=200, deadline=None)
@given(st.lists(FLOATS, min_size=1, max_size=100), st.booleans())
def test_any_column_is_written_as_text_that_parses_back_to_the_same_float(values, whole):
    array = np.trunc(np.array(values)) if whole else np.array(values)  # whole: try the integer form too
    text = pl.DataFrame({"x": number_series(pl, array)}).write_csv(
        include_header=False, null_value="nan", quote_style="never")
    lines = text.splitlines()
    assert len(lines) == len(array)
    for value, line in zip(array, lines, strict=True):
        parsed = float(line)
        assert parsed == value or (math.isnan(parsed) and math.isnan(value)), (value, line)
        assert math.copysign(1, parsed) == math.copysign(1, value) or math.isnan(value)  # -0 stays -0
        assert line in ("nan", "inf", "-inf") or line.lstrip("-")[0].isdigit()  # no NaN, no quotes
        if math.isfinite(value) and value == int(value) and abs(value) < 2 ** 53 and str(value) != "-0.0" \
                and all(math.isnan(v) or (math.isfinite(v) and v == int(v) and abs(v) < 2 ** 53
                                          and str(v) != "-0.0") for v in array):
            assert line == str(int(value))


def test_small_grids_and_missing_polars_use_the_10_digit_writer(monkeypatch):
    assert csv_writer(sweepfiles.POLARS_FROM) == ("numpy" if pl is None else "polars")
    assert csv_writer(sweepfiles.POLARS_FROM - 1) == "numpy"  # importing polars would cost more than it saves
    monkeypatch.setitem(sys.modules, "polars", None)
    assert csv_writer(10 ** 7) == "numpy"


@needs_polars
def test_a_failing_block_leaves_no_file_and_the_previous_one_intact(run, tmp_path, monkeypatch):
    out = tmp_path / "g.csv"
    out.write_text("before\n")
    monkeypatch.setattr(sweepfiles, "POLARS_FROM", 0)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(sweepfiles, "polars_frame", broken)
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
    monkeypatch.setattr(sweepfiles, "POLARS_FROM", 0)
    args = ["sweep", "--vary", "batch=1:40", "--vary", "seq_len=1024,8192", "--only", "t_step", "--only", "layers"]
    status, out, _ = run(*args)
    assert status == 0 and run(*args, "--csv", tmp_path / "g.csv")[0] == 0
    assert (tmp_path / "g.csv").read_text() == out
    assert out.splitlines()[1] == "1,1024,0.010828359901234567,80,0"  # t_step at batch 1, 1024 tokens: exact


@needs_polars
@settings(max_examples=100, deadline=None)
@given(st.lists(FLOATS, min_size=1, max_size=60), st.booleans())
def test_texts_formatted_once_per_distinct_value_are_what_polars_writes_in_the_column(values, whole):
    array = np.trunc(np.array(values)) if whole else np.array(values)
    column = pl.DataFrame({"x": number_series(pl, array)}).write_csv(**CSV_OPTIONS).splitlines()
    assert number_texts(pl, array) == column


def test_without_a_writable_temporary_folder_the_10_digit_writer_writes(run, tmp_path, monkeypatch):
    monkeypatch.setattr(sweepfiles, "POLARS_FROM", 0)
    monkeypatch.setattr(sweepfiles.tempfile, "tempdir", str(tmp_path / "missing"))  # no scratch file for polars
    assert run("sweep", "--vary", "batch=1:3", "--only", "t_step", "--csv", tmp_path / "g.csv")[0] == 0
    assert (tmp_path / "g.csv").read_text().splitlines()[1] == "1,0.011009595259259259,0"  # the exact value
