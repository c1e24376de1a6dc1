"""The chapter's figures from single commands, and the plot logic as pure functions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

import calcgraph
from calcgraph.errors import SetValueError, UnitMismatchError, UnknownNameError
from calcgraph.render.plot import PlotSpec, line_axis, line_groups, masked, memory_mask, parse_plot_spec

SCENARIO = str(ROOT / "scenarios" / "latency-throughput-v5e-4x4.yaml")
SEQ_LENS = "seq_len=1024,2048,4096,8192,16384,32768"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _figure_is_drawn(path, min_bytes=20_000):
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > min_bytes
    import matplotlib.image
    pixels = matplotlib.image.imread(str(path))
    assert pixels.shape[0] > 300 and pixels.shape[1] > 500
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50  # lines, not a blank canvas


@pytest.mark.parametrize("plot, extra", [
    ("throughput_per_chip:t_step", ["--vary", SEQ_LENS, "--color", "seq_len"]),
    ("log(cost_per_million_tokens):t_step", ["--vary", SEQ_LENS, "--color", "seq_len"]),
])
def test_throughput_and_cost_against_latency_one_line_per_sequence_length(run, tmp_path, plot, extra):
    out = tmp_path / "figure.png"
    status, _, err = run("sweep", SCENARIO, "--vary", "batch=1:256", *extra, "--plot", plot, "-o", out)
    assert status == 0, err
    _figure_is_drawn(out)


def test_step_time_stacked_with_markers_at_b_crit_and_max_batch(run, tmp_path):
    out = tmp_path / "step.png"
    status, _, err = run("sweep", SCENARIO, "--vary", "batch=1:160",
                         "--plot", "t_param_load+t_kv_load+t_flops,t_step:batch:b_crit,max_batch", "-o", out)
    assert status == 0, err
    _figure_is_drawn(out)


def test_svg_output_and_csv_from_the_same_sweep(run, tmp_path):
    svg, csv = tmp_path / "tp.svg", tmp_path / "tp.csv"
    status, _, err = run("sweep", SCENARIO, "--vary", "batch=1:64", "--plot", "throughput_per_chip:batch",
                         "-o", svg, "--csv", csv)
    assert status == 0, err
    assert svg.read_text().lstrip().startswith("<?xml") and "throughput_per_chip" in svg.read_text()
    assert len(csv.read_text().splitlines()) == 65


@pytest.mark.parametrize("args", [
    ["--plot", "t_stepp:batch", "-o", "{tmp}/x.png"],
    ["--plot", "t_step:batch"],
    ["-o", "{tmp}/x.png"],
    ["--plot", "t_step:batch", "-o", "{tmp}/x.txt"],
    ["--plot", "t_step", "-o", "{tmp}/x.png"],
    ["--plot", "t_step,kv_cache_bytes:batch", "-o", "{tmp}/x.png"],
    ["--plot", "t_step:batch", "--color", "chips", "-o", "{tmp}/x.png"],
    ["--plot", "t_step+t_flops:batch", "--vary", "seq_len=1024,2048", "-o", "{tmp}/x.png"],
])
def test_bad_plot_requests_exit_2_and_draw_nothing(run, tmp_path, args):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    status, _, err = run("sweep", SCENARIO, "--vary", "batch=1:8", *args)
    assert status == 2, err
    assert "error:" in err
    assert list(tmp_path.iterdir()) == []


def test_sweep_without_a_plot_does_not_import_matplotlib():
    code = ("import sys; from calcgraph.cli import main; "
            "main(['sweep', '--vary', 'batch=1:3', '--only', 't_step']); "
            "print('matplotlib' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.strip().endswith("False")


# ------------------------------------------------------------------ pure logic

def test_points_beyond_hbm_are_masked():
    columns = {"total_memory": np.array([100e9, 256e9, 257e9]), "hbm_capacity": np.full(3, 256e9)}
    mask = memory_mask(columns)
    assert mask.tolist() == [False, False, True]
    assert np.isnan(masked(np.array([1.0, 2.0, 3.0]), mask)).tolist() == [False, False, True]
    assert memory_mask({"t_step": np.ones(3)}) is None
    assert masked(np.array([1.0]), None).tolist() == [1.0]


def test_lines_on_v5e_4x4_stop_at_the_largest_batch_that_fits():
    model = calcgraph.load(SCENARIO)
    from calcgraph.engine.axes import parse_axes
    from calcgraph.engine.grid import evaluate_grid
    axes = parse_axes(["batch=1:200", "seq_len=8192,16384"], model.graph)
    grid = evaluate_grid(model.scenario, axes, ["batch", "seq_len", "total_memory", "hbm_capacity", "max_batch"])
    mask = memory_mask(grid)
    for (seq_len,), members in line_groups(grid, ["batch", "seq_len"], "batch"):
        kept = grid["batch"][members][~mask[members]]
        assert kept.max() == grid["max_batch"][members][0]
        assert kept.max() == {8192.0: 138, 16384.0: 69}[seq_len]


def test_lines_run_along_x_when_x_is_varied_else_along_the_first_other_input():
    assert line_axis(PlotSpec(ys=("t_step",), x="batch"), ["seq_len", "batch"]) == "batch"
    assert line_axis(PlotSpec(ys=("throughput",), x="t_step"), ["batch", "seq_len"]) == "batch"
    assert line_axis(PlotSpec(ys=("throughput",), x="t_step", color="batch"), ["batch", "seq_len"]) == "seq_len"


def test_line_groups_split_the_grid_by_the_other_inputs_and_order_each_line():
    columns = {"b": np.array([3.0, 1.0, 2.0, 3.0, 1.0, 2.0]), "s": np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])}
    groups = line_groups(columns, ["b", "s"], "b")
    assert [key for key, _ in groups] == [(1.0,), (2.0,)]
    assert [columns["b"][i].tolist() for _, i in groups] == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    ((key, only),) = line_groups({"b": np.array([2.0, 1.0])}, ["b"], "b")
    assert key == () and only.tolist() == [1, 0]


def test_plot_spec_language():
    graph = calcgraph.load().graph
    spec = parse_plot_spec("t_param_load+t_kv_load+t_flops,t_step:batch:b_crit,max_batch", graph)
    assert spec.stack == ("t_param_load", "t_kv_load", "t_flops")
    assert spec.ys == ("t_param_load", "t_kv_load", "t_flops", "t_step")
    assert spec.markers == ("b_crit", "max_batch")
    spec = parse_plot_spec("log(cost_per_million_tokens):log(t_step)", graph)
    assert (spec.ys, spec.x, spec.log_x, spec.log_y, bool(spec.stack)) == \
        (("cost_per_million_tokens",), "t_step", True, True, False)
    with pytest.raises(UnknownNameError):
        parse_plot_spec("t_step:batchh", graph)
    with pytest.raises(UnitMismatchError):
        parse_plot_spec("t_step:batch:t_flops", graph)
    with pytest.raises(SetValueError):
        parse_plot_spec("a+b,c+d:batch", graph)


def test_a_stacked_plot_over_several_lines_is_refused_before_the_csv_is_written(run, tmp_path):
    csv, png = tmp_path / "s.csv", tmp_path / "s.png"
    status, _, err = run("sweep", SCENARIO, "--vary", "batch=1:8", "--vary", "seq_len=1024,2048",
                         "--plot", "t_param_load+t_kv_load:batch", "-o", png, "--csv", csv)
    assert status == 2 and "stacked plot draws one line" in err
    assert list(tmp_path.iterdir()) == []


def test_a_stacked_plot_against_an_unknown_x_says_so_on_the_figure(run, tmp_path):
    svg = tmp_path / "e.svg"  # energy_per_token is unknown without a chip power: no x to draw at (was a traceback)
    status, _, err = run("sweep", "--vary", "batch=1:8", "--plot", "t_param_load+t_kv_load:energy_per_token",
                         "-o", svg)
    assert status == 0, err
    assert "no point to draw for t_param_load + t_kv_load" in svg.read_text()


def test_the_same_svg_plot_twice_is_the_same_bytes(run, tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"  # matplotlib's clip-path ids were random per run
    for out in (first, second):
        assert run("sweep", "--vary", "batch=1:8", "--plot", "t_param_load+t_kv_load:batch", "-o", out)[0] == 0
    assert first.read_bytes() == second.read_bytes()
