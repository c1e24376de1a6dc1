"""calcgraph sweep: grids of inputs, evaluated exactly as the scalar formulas, written as CSV."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import ROOT, fixture

import calcgraph
from calcgraph.cli.progress import Progress
from calcgraph.engine.axes import MAX_POINTS, parse_axes, parse_vary, typed_over
from calcgraph.engine.grid import evaluate_grid
from calcgraph.errors import SetValueError, UnitMismatchError, UnknownNameError
from calcgraph.render.sweep.columns import SweepRun, csv_header, output_columns
from calcgraph.render.sweep.files import python_text

SWEEP_SCENARIO = str(ROOT / "scenarios" / "latency-throughput-v5e-4x4.yaml")


@pytest.fixture(scope="module")
def model():
    return calcgraph.load()


def _read_csv(path):
    text = open(path, encoding="utf-8").read()
    header, _, body = text.partition("\n")
    names = [cell.split(" [")[0] for cell in header.split(",")]
    data = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)
    return names, header, data


# ------------------------------------------------------------------ grid values

def test_grid_values_equal_the_scalar_evaluation_exactly(model):
    axes = parse_axes(["batch=1:300:7", "seq_len=1024,4096,8192,32768",
                       "hbm_bandwidth=8.1e11,8.2e11 B/s/chip"], model.graph)
    names = [n for n in model.names() if not model.graph[n].is_input]
    grid = evaluate_grid(model.scenario, axes, [a.name for a in axes] + names, chunk=50)
    assert len(grid["t_step"]) == 43 * 4 * 2
    for index in (0, 1, 7, 100, 171, 200, 343):
        point = {a.name: float(grid[a.name][index]) for a in axes}
        scalar = model.set(batch=point["batch"], seq_len=point["seq_len"],
                           hbm_bandwidth=f"{point['hbm_bandwidth']!r} B/s/chip").raw
        for name in names:
            assert grid[name][index] == scalar[name] or (np.isnan(grid[name][index]) and np.isnan(scalar[name])), \
                (name, point)


def test_grid_order_is_a_flattened_ij_meshgrid_whatever_the_block_size(model):
    axes = parse_axes(["batch=1:5", "seq_len=1024,2048,4096", "chips=8,16"], model.graph)
    whole = evaluate_grid(model.scenario, axes, ["batch", "seq_len", "chips", "t_step"])
    b, s, c = np.meshgrid(*(a.values for a in axes), indexing="ij")
    assert whole["batch"].tolist() == b.ravel().tolist()
    assert whole["seq_len"].tolist() == s.ravel().tolist()
    assert whole["chips"].tolist() == c.ravel().tolist()
    for chunk in (1, 2, 5, 7, 29):
        small = evaluate_grid(model.scenario, axes, ["t_step"], chunk=chunk)
        assert small["t_step"].tolist() == whole["t_step"].tolist()


def test_max_batch_on_v5e_4x4_is_138_at_8192_tokens_and_falls_with_longer_sequences(run, tmp_path):
    out = tmp_path / "mb.csv"
    status, _, err = run("sweep", SWEEP_SCENARIO, "--vary", "seq_len=4096,8192,16384", "--only", "max_batch",
                         "--csv", out)
    assert status == 0, err
    names, header, data = _read_csv(out)
    assert header == "seq_len [tok/seq],max_batch [seq],checks_failed [1]"
    assert data[:, 1].tolist() == [277, 138, 69]


# ------------------------------------------------------------------ --vary

def test_a_range_includes_its_stop(model):
    assert parse_vary("batch=1:256", model.graph).values.tolist() == list(map(float, range(1, 257)))
    assert parse_vary("batch=1:10:4", model.graph).values.tolist() == [1.0, 5.0, 9.0]
    assert parse_vary("batch=7:7", model.graph).values.tolist() == [7.0]


def test_decimal_steps_land_on_the_decimal_values(model):
    values = parse_vary("mfu=0.1:1:0.1", model.graph).values  # mfu > 0: its domain
    assert len(values) == 10
    assert values.tolist() == [float(f"0.{i}") if i < 10 else 1.0 for i in range(1, 11)]


def test_list_values(model):
    axis = parse_vary("seq_len=1024,8192,32768", model.graph)
    assert axis.values.tolist() == [1024.0, 8192.0, 32768.0]


def test_values_may_carry_units(model):
    axis = parse_vary("hbm_per_chip=16 GB/chip:32 GB/chip:8 GB/chip", model.graph)
    assert axis.values.tolist() == [16e9, 24e9, 32e9]
    axis = parse_vary("hbm_bandwidth=810 GB/s/chip,1.6 TB/s/chip", model.graph)
    assert axis.values.tolist() == [8.1e11, 1.6e12]
    axis = parse_vary("hbm_per_chip=16:32:8", model.graph)   # the declared unit, B/chip
    assert axis.values.tolist() == [16.0, 24.0, 32.0]
    axis = parse_vary("hbm_per_chip=16:32 GB/chip", model.graph)  # one unit written: it applies to all
    assert len(axis.values) == 17 and axis.values[-1] == 32e9


@pytest.mark.parametrize("text, error", [
    ("batchh=1:10", UnknownNameError),
    ("batch=10:1", SetValueError),
    ("batch=1:10:0", SetValueError),
    ("batch=1:10:-1", SetValueError),
    ("batch=1:1e8", SetValueError),
    ("batch=1:2:3:4", SetValueError),
    ("batch=", SetValueError),
    ("batch=1,two", SetValueError),
    ("batch", SetValueError),
    ("hbm_per_chip=16 GB:32 GB", SetValueError),
])
def test_bad_vary_arguments_are_errors_that_name_the_argument(model, text, error):
    with pytest.raises(error) as info:
        parse_vary(text, model.graph)
    assert str(info.value.where) == f"axis {text!r}"


def test_a_grid_beyond_ten_million_points_is_refused(model):
    with pytest.raises(SetValueError, match="more than"):
        parse_axes(["batch=1:10000", "seq_len=1:10000"], model.graph)
    assert MAX_POINTS == 10 ** 7


@pytest.mark.parametrize("args", [
    ["--vary", "batchh=1:10"],
    ["--vary", "batch=10:1"],
    ["--vary", "batch=1:10:0"],
    ["--vary", "batch=1:100000", "--vary", "seq_len=1:1000"],
    ["--vary", "batch=1:4", "--vary", "batch=5:6"],
    ["--vary", "batch=1:4", "--only", "t_stepp"],
    ["--vary", "hbm_per_chip=16 s/chip:32 s/chip"],
])
def test_sweep_errors_exit_2_and_write_nothing(run, tmp_path, args):
    out = tmp_path / "out.csv"
    status, stdout, err = run("sweep", *args, "--csv", out)
    assert status == 2
    assert "error:" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unit_mismatch_in_a_vary_value_says_both_units(model):
    with pytest.raises((SetValueError, UnitMismatchError), match="does not fit"):
        parse_vary("t_step=1 GB:2 GB", model.graph)


# ------------------------------------------------------------------ NaN points

def test_points_dividing_by_zero_are_empty_with_one_warning_line(run, tmp_path):
    out = tmp_path / "dz.csv"
    status, _, err = run("sweep", fixture("div_zero.yaml"), "--vary", "chips=0:4", "--csv", out)
    assert status == 0
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: 1 of 5 points have no value (division by zero or no solution): per_chip"]
    names, _, data = _read_csv(out)
    assert np.isnan(data[0, names.index("per_chip")])
    assert data[1:, names.index("per_chip")].tolist() == pytest.approx([70.0, 35.0, 70 / 3, 17.5], rel=1e-9)


def test_max_batch_is_empty_where_the_weights_alone_do_not_fit(run, tmp_path):
    out = tmp_path / "chips.csv"
    status, _, err = run("sweep", "--vary", "chips=2:8:2", "--only", "max_batch", "--csv", out)
    assert status == 0
    assert "warning: 2 of 4 points have no value" in err and "max_batch" in err
    _, _, data = _read_csv(out)
    assert np.isnan(data[:2, 1]).all()            # 32 and 64 GB of HBM: 70 GB of int8 weights do not fit
    assert data[2:, 1].tolist() == [19.0, 43.0]  # 8 chips, int8, 8192 tokens: the chapter's 43


# ------------------------------------------------------------------ CSV

def test_csv_header_gives_each_name_with_its_declared_unit(model):
    assert csv_header(model.graph, ["batch", "seq_len", "t_step", "throughput_per_chip", "layers"]) == \
        "batch [seq],seq_len [tok/seq],t_step [s],throughput_per_chip [tok/s/chip],layers [1],checks_failed [1]"


def test_csv_columns_are_the_varied_inputs_then_the_report_list(model):
    axes = parse_axes(["batch=1:2", "seq_len=1024,2048"], model.graph)
    columns = output_columns(model.scenario, axes, None)
    assert columns[:2] == ["batch", "seq_len"]
    assert columns[2:] == [n for n in model.spec.report if n not in ("batch", "seq_len")]
    assert output_columns(model.scenario, axes, ["t_step", "batch"]) == ["batch", "seq_len", "t_step"]


def test_csv_values_are_in_declared_units_and_round_trip_within_1e_9(run, tmp_path, model):
    out = tmp_path / "grid.csv"
    status, _, err = run("sweep", "--vary", "batch=1:64:3", "--vary", "seq_len=2048,8192",
                         "--only", "t_step", "--only", "kv_cache_bytes", "--only", "max_batch", "--csv", out)
    assert status == 0, err
    names, header, data = _read_csv(out)
    assert header == "batch [seq],seq_len [tok/seq],t_step [s],kv_cache_bytes [B],max_batch [seq],checks_failed [1]"
    assert data.shape == (22 * 2, 6)  # and checks_failed, the count of failed feasibility checks
    names = names[:-1]
    axes = parse_axes(["batch=1:64:3", "seq_len=2048,8192"], model.graph)
    grid = evaluate_grid(model.scenario, axes, names)
    for column, name in enumerate(names):
        expected = grid[name] / model.graph[name].unit.factor
        np.testing.assert_allclose(data[:, column], expected, rtol=1e-9)
    assert data[0].tolist()[:2] == [1, 2048] and data[1].tolist()[:2] == [1, 8192]


def test_csv_goes_to_stdout_without_csv_or_plot(run):
    status, out, _ = run("sweep", "--vary", "batch=1:3", "--only", "t_step")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "batch [seq],t_step [s],checks_failed [1]"
    assert len(lines) == 4 and lines[1].startswith("1,0.0")


def test_csv_dash_means_stdout_and_writes_no_file_named_dash(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run("sweep", ROOT / "scenarios" / "llama3-70b-tpu-v5e.yaml", "--vary", "batch=1:3",
                         "--only", "t_step", "--csv", "-")
    assert status == 0 and out.splitlines()[0] == "batch [seq],t_step [s],checks_failed [1]"
    assert len(out.splitlines()) == 4 and not (tmp_path / "-").exists()


def test_constant_columns_are_written_in_every_row(model):
    axes = parse_axes(["batch=1:3"], model.graph)
    text = "".join(SweepRun(model.scenario, axes, ["batch", "layers", "t_step"]))
    rows = [line.split(",") for line in text.splitlines()]
    assert [r[:2] for r in rows] == [["1", "80"], ["2", "80"], ["3", "80"]]


def test_csv_text_is_numpy_savetxts_10_digits_where_they_read_back_else_the_exact_value():
    table = np.array([[1.0, 0.1, 1e20], [np.nan, -2.5e-7, 123456789012.0]])
    buffer = io.StringIO()
    np.savetxt(buffer, table, fmt="%.10g", delimiter=",")
    ten = buffer.getvalue()
    assert ten.endswith(",1.23456789e+11\n")  # 10 digits: not the value
    assert python_text(list(table.T), 2) == ten.replace("1.23456789e+11", "123456789012.0")


def test_a_million_points_stay_in_small_blocks(model):
    axes = parse_axes(["batch=1:1000", "seq_len=128:128000:128"], model.graph)
    sizes = []
    for block in __import__("calcgraph.engine.grid", fromlist=["iter_blocks"]).iter_blocks(
            model.scenario, axes, ["t_step"]):
        sizes.append(len(block["t_step"]))
    assert sum(sizes) == 10 ** 6 and max(sizes) <= 2 ** 16


# ------------------------------------------------------------------ progress bar

class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_only():
    tty, pipe = _Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = Progress(100, stream=stream, delay=0.0)
        bar.update(50)
        bar.update(100)
        bar.close()
    assert "50%" in tty.getvalue() or "100%" in tty.getvalue()
    assert tty.getvalue().endswith("\r")
    assert pipe.getvalue() == ""


def test_progress_bar_waits_a_second_before_drawing():
    tty = _Tty()
    bar = Progress(100, stream=tty)
    bar.update(100)
    bar.close()
    assert tty.getvalue() == ""


def test_parquet_holds_the_csv_values_and_headers(run, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    csv_path, parquet_path = tmp_path / "g.csv", tmp_path / "g.parquet"
    grid = ["--vary", "batch=1:40:13", "--vary", "seq_len=1024,8192"]
    assert run("sweep", *grid, "--csv", csv_path)[0] == 0
    assert run("sweep", *grid, "--out", parquet_path)[0] == 0
    lines = csv_path.read_text().splitlines()
    table = pq.read_table(parquet_path)
    assert table.column_names == lines[0].split(",")
    for i, line in enumerate(lines[1:]):
        for name, text in zip(table.column_names, line.split(","), strict=True):
            assert float(text) == table.column(name)[i].as_py() or "nan" == text


def test_parquet_without_pyarrow_says_how_to_get_it(run, tmp_path, monkeypatch):
    import builtins
    real = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    status, _, err = run("sweep", "--vary", "batch=1:3", "--out", tmp_path / "g.parquet")
    assert status == 2 and "calcgraph[parquet]" in err and "--out" in err
    assert not (tmp_path / "g.parquet").exists()


# ------------------------------------------------------------------ varying a pinned quantity

PIN = fixture("pin-breaks-cycle.yaml")


def test_varying_a_pinned_layout_keeps_chips_equal_to_tp_times_pp_at_every_point(run, tmp_path):
    model = calcgraph.load(PIN)
    grid = evaluate_grid(model.scenario, parse_axes(["tp_degree=1,2,4,8", "pp_degree=1,3"], model.graph),
                         ["tp_degree", "pp_degree", "chips", "hbm"])
    assert grid["chips"].tolist() == (grid["tp_degree"] * grid["pp_degree"]).tolist()
    assert grid["hbm"].tolist() == (grid["chips"] * 80e9).tolist()
    fast = model.evaluator(["chips"], ["tp_degree", "pp_degree"])  # the generated code
    assert fast(8, 3) == [24.0] and fast.exact(8, 3) == [24.0]
    assert model.set(tp_degree=8, pp_degree=3).value("chips") == 24  # eval --set
    status, _, _ = run("sweep", PIN, "--vary", "tp_degree=1,2,4", "--only", "chips", "--csv", tmp_path / "pin.csv")
    names, _, data = _read_csv(tmp_path / "pin.csv")
    assert status == 0 and data[:, names.index("chips")].tolist() == [2, 4, 8]


def test_varying_a_computed_layout_warns_that_its_inputs_stay_and_a_pinned_one_does_not():
    unpinned = calcgraph.load("scenarios/compare-llama3-70b-8xh100.yaml").graph  # tp_degree = chips / pp
    (warning,) = typed_over(parse_axes(["tp_degree=1,2,4,8", "batch=1:4"], unpinned), unpinned)
    assert warning.startswith("tp_degree is computed (chips / (pp_degree * one_chip))") and "chips" in warning
    planner = calcgraph.load("scenarios/plan-llama3-70b-h100.yaml").graph  # tp_degree pinned, chips follow
    assert typed_over(parse_axes(["tp_degree=1,2,4,8", "batch=1:4"], planner), planner) == []


@pytest.mark.parametrize("command", ["sweep", "best"])
def test_sweep_and_best_print_the_typed_over_warning_for_a_computed_axis(run, command):
    args = ["scenarios/compare-llama3-70b-8xh100.yaml", "--vary", "tp_degree=1,2", "--vary", "batch=1,2"]
    extra = ["--only", "t_step"] if command == "sweep" else ["--minimize", "t_step"]
    _, _, err = run(command, *args, *extra)
    assert f"calcgraph {command}: warning: tp_degree is computed" in err
    _, _, err = run(command, "scenarios/plan-llama3-70b-h100.yaml", "--vary", "tp_degree=1,2",
                    "--vary", "batch=1,2", *extra)
    assert "is computed" not in err



def test_sweep_csv_keeps_values_10_digits_would_merge_distinct(run, tmp_path):
    out = tmp_path / "g.csv"
    status, _, err = run("sweep", "--vary", "hbm_efficiency=0.70000000001,0.70000000002", "--only", "t_step",
                         "--csv", out)
    assert status == 0, err
    rows = [line.split(",") for line in out.read_text().splitlines()[1:]]
    assert [r[0] for r in rows] == ["0.70000000001", "0.70000000002"]
    steps = [float(r[1]) for r in rows]
    assert steps[0] != steps[1]  # %.10g wrote both as the same number
    model = calcgraph.load()
    assert steps == [model.set(hbm_efficiency=e).value("t_step") for e in (0.70000000001, 0.70000000002)]


def test_the_wrote_line_counts_the_columns_the_csv_has(run, tmp_path):
    target = tmp_path / "grid.csv"
    status, _, err = run("sweep", "--vary", "batch=1:4", "--only", "t_step", "--csv", target)
    header = target.read_text().splitlines()[0].split(",")
    assert status == 0 and header[-1] == "checks_failed [1]"
    assert f"(4 rows, {len(header)} columns)" in err


def test_parquet_warns_of_failed_checks_and_strict_exits_3_like_csv(run, tmp_path):
    pytest.importorskip("pyarrow.parquet")
    grid = ["--vary", "batch=1:2001:500", "--vary", "seq_len=8192,65536"]  # the long, wide points do not fit
    status, _, err = run("sweep", *grid, "--out", tmp_path / "g.parquet")
    assert status == 0 and "a declared check fails at" in err and "(column checks_failed)" in err
    assert run("sweep", *grid, "--out", tmp_path / "g.parquet", "--strict")[0] == 3
    assert run("sweep", *grid, "--csv", tmp_path / "g.csv", "--strict")[0] == 3


@pytest.mark.parametrize(("command", "axis"), [("sweep", "batch=0:2"), ("best", "batch=0:4"),
                                                ("sweep", "hbm_efficiency=0.5,1.5")])
def test_an_axis_outside_its_inputs_domain_is_refused_as_set_is(run, command, axis):
    goal = ["--minimize", "t_step"] if command == "best" else ["--only", "t_step"]
    status, out, err = run(command, *goal, "--vary", axis)
    assert status == 2 and f"--vary {axis}" in err and "is out of its domain" in err and "Traceback" not in err
    assert out == ""
