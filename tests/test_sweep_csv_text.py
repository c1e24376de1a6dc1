"""Sweep CSV, whichever writer (polars or Python), holds exactly what the cell-by-cell writer writes: each
value's ``shortest_text`` (``%.10g`` where that reads back as the value, else the shortest text that does)."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest
from conftest import ROOT, fixture
from hypothesis import given, settings
from hypothesis import strategies as st

import calcgraph
from calcgraph.core.numbers import shortest_text
from calcgraph.engine.axes import parse_axes
from calcgraph.render.sweep.columns import CHECKS_COLUMN, SweepRun, csv_header, output_columns
from calcgraph.render.sweep.files import polars_csv, polars_frame, python_text


def reference_csv(scenario, axes, columns) -> str:
    """The reference writer: every cell through ``shortest_text``, row after row."""
    rows = []
    for block in SweepRun(scenario, axes, columns, arrays=True):
        names = [*columns, *([CHECKS_COLUMN] if CHECKS_COLUMN in block else [])]
        for row in zip(*(block[n].tolist() for n in names), strict=True):
            rows.append(",".join(shortest_text(value) for value in row) + "\n")
    return "".join(rows)


def written(values: np.ndarray) -> list[str]:
    """Each value as polars' CSV writes it (``polars_frame``), and as Python's does: they must agree."""
    pytest.importorskip("polars")
    sink = io.BytesIO()
    polars_csv(polars_frame([values], len(values), {}), sink)
    fast = sink.getvalue().decode().splitlines()
    assert fast == python_text([values], len(values)).splitlines()
    return fast


GRIDS = [  # (scenario or fixture, varied axes, --only)
    (None, ["batch=1:300:7", "seq_len=128:64000:1280"], None),                  # every column, two axes
    (None, ["chips=2:16:2", "batch=1,8,64,512", "seq_len=1024,8192,32768"], None),  # three axes, NaN max_batch
    (None, ["batch=1:2000:3"], ["t_step", "max_batch", "cost_per_million_tokens", "layers"]),  # --only
    (str(ROOT / "scenarios" / "latency-throughput-v5e-4x4.yaml"), ["batch=1:64", "seq_len=512,2048"], None),
    (fixture("div_zero.yaml"), ["chips=0:9", "param_bytes=0:1e12:1e11"], None),  # 0/0 and x/0: nan, inf
]


@pytest.mark.parametrize(("path", "vary", "only"), GRIDS)
def test_sweep_csv_is_byte_for_byte_the_cell_by_cell_writer(path, vary, only):
    model = calcgraph.load(path) if path else calcgraph.load()
    axes = parse_axes(vary, model.graph)
    columns = output_columns(model.scenario, axes, only)
    fast = "".join(SweepRun(model.scenario, axes, columns, chunk=2 ** 12))  # several blocks
    assert fast == reference_csv(model.scenario, axes, columns)


def test_only_picks_the_columns_and_the_checks_column_stays(run, tmp_path):
    out = tmp_path / "g.csv"
    assert run("sweep", "--vary", "batch=1:5", "--only", "t_step", "--csv", out)[0] == 0
    header, *rows = out.read_text().splitlines()
    assert header == "batch [seq],t_step [s],checks_failed [1]"
    assert len(rows) == 5 and all(len(r.split(",")) == 3 for r in rows)


def test_csv_needs_no_polars(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars now fails
    out = tmp_path / "g.csv"
    assert run("sweep", "--vary", "batch=1:3", "--only", "t_step", "--csv", out)[0] == 0
    assert out.read_text().splitlines()[1].startswith("1,0.0")


@pytest.mark.parametrize(("path", "vary"), [(None, ["batch=1:300:7", "seq_len=128:64000:1280"]),
                                            (fixture("div_zero.yaml"), ["chips=0:9"])])
def test_parquet_holds_the_exact_values_of_every_column(path, vary):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    from calcgraph.render.sweep.files import write_parquet
    model = calcgraph.load(path) if path else calcgraph.load()
    axes = parse_axes(vary, model.graph)
    columns = output_columns(model.scenario, axes, None)
    header = csv_header(model.graph, columns).split(",")
    sink = pa.BufferOutputStream()
    write_parquet(sink, SweepRun(model.scenario, axes, columns), header)
    table = pq.read_table(pa.BufferReader(sink.getvalue()))
    assert table.column_names == header
    blocks = list(SweepRun(model.scenario, axes, columns, arrays=True))
    for name, column in zip([*columns, CHECKS_COLUMN], header, strict=False):
        expected = np.concatenate([b[name] for b in blocks])
        np.testing.assert_array_equal(table.column(column).to_numpy(), expected)


def test_tables_of_a_few_rows_and_long_constant_runs():
    constants = ["%d" % (10 ** j) for j in range(15)]  # noqa: UP031 - 120 bytes of literal text in one run
    values = np.array([1.5, -2.0, 3e-5, 7.0, 0.0])
    text = python_text([values, *constants, values[::-1]], 5)
    expected = "".join(f"{shortest_text(a)},{','.join(constants)},{shortest_text(b)}\n"
                       for a, b in zip(values, values[::-1], strict=True))
    assert text == expected


EDGES = [0.0, -0.0, math.nan, math.inf, -math.inf, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
         9999999999.5, 99999999995.0, 12345678905.0, 0.0001, 0.00009999999999, 1e-5, 1e10, 9999999999.0,
         123456789012345678.0, 0.5, 2.5, 1e22, 1e23, 1e-13, 1e-14, 1e31, 1e32, 0.1 + 0.2,
         1e-300, 1e-7, 2.0 ** 53, 2.0 ** 53 - 1, 1.5e-5, 3.2363456790123455e-06, 9.995e-321,
         1.82044444e-07, 70020971520.0, 12345678901234.0]


def test_edge_values_are_what_python_writes():
    values = np.array(EDGES + [-v for v in EDGES])
    assert written(values) == [shortest_text(v) for v in values]


def test_whole_numbers_with_missing_values_are_digits_and_nan():
    assert written(np.array([345.0, np.nan, 172.0, 0.0])) == ["345", "nan", "172", "0"]  # max_batch's column
    assert written(np.array([32883343360.0, 32883343361.0, 512.0])) == ["3.288334336e+10", "32883343361.0", "512"]


def test_values_10_digits_cannot_tell_apart_stay_distinct():
    values = np.array([0.1 + 0.2, 0.3, 1.0000000001, 1.00000000012, 123456789012.0, -1.2345678901234567e-100])
    texts = written(values)
    assert texts == ["0.30000000000000004", "0.3", "1.0000000001", "1.00000000012", "123456789012.0",
                     "-12345678901234567e-116"]
    assert [float(t) for t in texts] == values.tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=200))
def test_any_float_is_written_as_its_shortest_text_and_parses_back_exactly(values):
    texts = written(np.array(values, dtype=float))
    assert texts == [shortest_text(v) for v in values]
    for value, text in zip(values, texts, strict=True):
        parsed = float(text)
        assert parsed == value or (math.isnan(parsed) and math.isnan(value))
        assert len(text) <= 23
        short = "%.10g" % value  # noqa: UP031 - the 10 digits, kept wherever they read back exactly
        assert text == short if float(short) == value or value != value else text != short  # 10000000006.0


@settings(max_examples=100, deadline=None)
@given(st.integers(-30, 30), st.lists(st.floats(1.0, 10.0), min_size=1, max_size=50))
def test_numbers_of_every_magnitude_round_like_python(exponent, mantissas):
    values = np.array(mantissas) * 10.0 ** exponent
    assert written(values) == [shortest_text(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-10 ** 10, 10 ** 10), min_size=1, max_size=50), st.booleans())
def test_columns_of_whole_numbers_are_their_digits_and_negative_zero_stays(values, negative_zero):
    array = np.array(values + ([-0.0] if negative_zero else []), dtype=float)
    assert written(array) == [shortest_text(v) for v in array]
