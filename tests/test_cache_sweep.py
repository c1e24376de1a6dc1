"""Sweeps from the compiled graph cache: the same CSV bytes, Parquet values, warnings and status as the normal path.

After a normal ``calcgraph sweep`` the cache holds the scenario as generated
numpy code; the next sweep of unchanged files reads ``--vary`` as
``parse_axes`` would, evaluates the grid with that code and writes it with the
writer the normal path uses, without sympy, pint or networkx. Whatever it
cannot settle exactly goes the normal way, which words any error.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from conftest import ROOT, fixture
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cache import entries, probe

from calcgraph.cli import cached, sweep, sweepcached
from calcgraph.core import cachestore
from calcgraph.core.bind import bind
from calcgraph.core.numeric import Refused
from calcgraph.core.spec import load_spec
from calcgraph.engine.axes import parse_axes
from calcgraph.errors import CalcgraphError
from calcgraph.render import sweepfiles

try:
    import pyarrow  # noqa: F401 - Parquet is compared where it is installed
    PYARROW = True
except ImportError:
    PYARROW = False
SCENARIOS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.yaml"))


def answered_from_cache(run, monkeypatch, *args):
    """Run a sweep that the cache must answer (the normal path fails the test)."""
    with monkeypatch.context() as patch:
        patch.setattr(sweep, "cmd_sweep", lambda a: pytest.fail(f"not answered from the cache: {args}"))
        return run("sweep", *args)


def representative(path: str, variant) -> list[str]:
    """batch over a range and seq_len over a list when the scenario sets them, and an axis with a unit."""
    scenario = bind(load_spec(ROOT / path), variant)
    graph = scenario.graph
    free = [n for n in graph.quantities if n in scenario.bound and not graph.dag.pred[n]]
    axes = [a for n, a in (("batch", "batch=1:300:7"), ("seq_len", "seq_len=1024,8192")) if n in free]
    united = [n for n in free if n not in ("batch", "seq_len") and str(graph[n].unit) not in ("", "dimensionless")
              and math.isfinite(scenario.bound[n].value)]   # not an unknown input (max_context of a bare model)
    if united:  # two values around the scenario's, written in the quantity's display unit
        name = united[0]
        unit = (graph[name].display or graph[name].unit).text
        value = scenario.bound[name].value / (graph[name].display or graph[name].unit).factor
        axes.append(f"{name}={value:.6g} {unit},{value * 2:.6g} {unit}")
    return [f"--vary={a}" for a in axes]


def variants_of(path: str) -> list:
    return [None, *load_spec(ROOT / path).variants]


@pytest.mark.parametrize("path", SCENARIOS)
def test_every_scenario_and_variant_sweeps_the_same_from_the_cache(path, run, cache, monkeypatch, tmp_path):
    for variant in variants_of(path):
        args = [path, *(["--variant", variant] if variant else []), *representative(path, variant)]
        cold = run("sweep", *args, "--no-cache")
        written = run("sweep", *args)  # the normal path, writing the entry
        hit = answered_from_cache(run, monkeypatch, *args)
        assert cold == written == hit, (path, variant)
        assert hit[1].count("\n") > 2
        if PYARROW:
            tables = [tmp_path / "cold.parquet", tmp_path / "hit.parquet"]
            cold = run("sweep", *args, "--out", tables[0], "--no-cache")
            hit = answered_from_cache(run, monkeypatch, *args, "--out", tables[1])
            assert hit[0] == cold[0] and hit[2].replace("hit.", "cold.") == cold[2], (path, variant)
            expected, got = parquet_values(tables[0]), parquet_values(tables[1])
            assert list(got) == list(expected)
            assert all(np.array_equal(got[n], expected[n], equal_nan=True) for n in got), (path, variant)


def parquet_values(path) -> dict:
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(path)
    return {name: table.column(name).to_numpy() for name in table.column_names}


@pytest.mark.parametrize("args", [["--vary", "batch=1:300:7", "--vary", "seq_len=1024,8192"],
                                  ["--vary", "batch=1:256", "--only", "t_step", "--strict"],
                                  ["--vary", "seq_len=1024:32768:1024",
                                   "--vary", "hbm_bandwidth=800 GB/s/chip,1 TB/s/chip"],
                                  ["--vary", "batch=1:2000:3", "--only", "t_step", "--only", "layers"]])
def test_csv_files_stdout_and_parquet_from_the_cache_equal_the_normal_path(args, run, cache, monkeypatch, tmp_path):
    cold = run("sweep", *args, "--no-cache")
    run("sweep", *args)
    assert answered_from_cache(run, monkeypatch, *args) == cold
    assert answered_from_cache(run, monkeypatch, *args, "--csv", "-") == run("sweep", *args, "--csv", "-", "--no-cache")
    files = [tmp_path / "cold.csv", tmp_path / "hit.csv"]
    cold = run("sweep", *args, "--csv", files[0], "--no-cache")
    hit = answered_from_cache(run, monkeypatch, *args, "--csv", files[1])
    assert hit[:2] == cold[:2] and hit[2].replace(str(files[1]), "F") == cold[2].replace(str(files[0]), "F")
    assert files[0].read_bytes() == files[1].read_bytes()
    pytest.importorskip("pyarrow")
    tables = [tmp_path / "cold.parquet", tmp_path / "hit.parquet"]
    cold = run("sweep", *args, "--out", tables[0], "--no-cache")
    hit = answered_from_cache(run, monkeypatch, *args, "--out", tables[1])
    assert hit[0] == cold[0] and hit[2].replace(str(tables[1]), "F") == cold[2].replace(str(tables[0]), "F")
    expected, got = parquet_values(tables[0]), parquet_values(tables[1])
    assert list(got) == list(expected)
    assert all(np.array_equal(got[n], expected[n], equal_nan=True) for n in got)


@pytest.mark.parametrize("polars_from", [0, 10 ** 9])  # polars (where installed) and numpy's %.10g
def test_csv_files_from_the_cache_are_the_normal_path_bytes_with_either_writer(polars_from, run, cache,
                                                                               monkeypatch, tmp_path):
    monkeypatch.setattr(sweepfiles, "POLARS_FROM", polars_from)
    args = ["--vary", "batch=1:300:7", "--vary", "seq_len=1024,8192",
            "--vary", "hbm_bandwidth=800 GB/s/chip,1 TB/s/chip"]
    files = [tmp_path / "cold.csv", tmp_path / "hit.csv"]
    assert run("sweep", *args, "--csv", files[0], "--no-cache")[0] == 0
    run("sweep", *args)
    assert answered_from_cache(run, monkeypatch, *args, "--csv", files[1])[0] == 0
    assert files[0].read_bytes() == files[1].read_bytes()


def test_a_block_the_cache_cannot_answer_while_a_file_is_written_leaves_the_normal_paths_file(run, cache,
                                                                                            monkeypatch, tmp_path):
    args = ["--vary", "batch=1:300", "--vary", "seq_len=128:64000:128", "--set", "batch=5", "--only", "t_step"]
    files = [tmp_path / "cold.csv", tmp_path / "hit.csv"]
    cold = run("sweep", *args, "--csv", files[0], "--no-cache")
    run("sweep", *args)
    original, tried = sweepcached._Grid.blocks, []
    monkeypatch.setattr(sweepcached, "_STORED", 0)  # a grid too large to keep: no first pass over it

    def second_block_refused(self, names, first=False):
        for number, block in enumerate(original(self, names, first)):
            tried.append((number, first))
            if number == 1:  # after the first block is written: a guess that does not verify
                raise Refused("no verified solution")
            yield block
    monkeypatch.setattr(sweepcached._Grid, "blocks", second_block_refused)
    hit = run("sweep", *args, "--csv", files[1])
    assert tried == [(0, False), (1, False)]  # no first pass: the file's writing met the refusal
    assert hit[0] == cold[0] and hit[2].replace("hit.csv", "F") == cold[2].replace("cold.csv", "F")
    assert hit[2].count("--vary batch replaces this value") == 1
    assert files[0].read_bytes() == files[1].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "cold.csv", "hit.csv"]


def test_the_nan_warning_and_several_blocks_from_the_cache(run, cache, monkeypatch):
    args = [fixture("div_zero.yaml"), "--vary", "chips=0:9", "--vary", "param_bytes=0:1e12:5e7"]  # 2 blocks
    cold = run("sweep", *args, "--no-cache")
    run("sweep", *args)
    hit = answered_from_cache(run, monkeypatch, *args)
    assert hit == cold
    assert "20,001 of 200,010 points have no value (division by zero or no solution): per_chip" in hit[2]


def test_a_sweep_hit_loads_neither_sympy_pint_nor_networkx(cache):
    args = ["sweep", "--vary", "batch=1:256", "--vary", "seq_len=1 ktoken/sequence,2048", "--only", "t_step"]
    cold_out, cold = probe(cache, *args)
    hit_out, hit = probe(cache, *args)
    assert cold["heavy"] == ["pint"] and hit == {"status": 0, "heavy": []}  # the miss solves max_batch numerically
    assert hit_out == cold_out


def test_no_cache_on_sweep_neither_reads_nor_writes(run, cache, monkeypatch):
    run("sweep", "--vary", "batch=1:4", "--no-cache")
    assert not cache.exists()
    run("sweep", "--vary", "batch=1:4")
    assert len(entries(cache, "sweep")) == 1
    calls = []
    real = sweep.cmd_sweep
    monkeypatch.setattr(sweep, "cmd_sweep", lambda args: calls.append(1) or real(args))
    run("sweep", "--vary", "batch=1:4", "--no-cache")
    assert calls == [1]


@pytest.mark.parametrize("damage", ["flip", "truncate", "code"])
def test_a_tampered_sweep_entry_is_ignored_and_rebuilt(damage, run, cache, monkeypatch):
    args = ["--vary", "batch=1:8", "--only", "t_step"]
    cold = run("sweep", *args)
    (path,) = entries(cache, "sweep")
    data = path.read_bytes()
    if damage == "flip":
        path.write_bytes(data[:-20] + bytes([data[-20] ^ 1]) + data[-19:])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:  # a body changed without the key: the HMAC fails
        path.write_bytes(data.replace(b"_grid", b"_grId", 1))
    calls = []
    real = sweep.cmd_sweep
    monkeypatch.setattr(sweep, "cmd_sweep", lambda a: calls.append(1) or real(a))
    assert run("sweep", *args) == cold and calls == [1]
    assert answered_from_cache(run, monkeypatch, *args) == cold


def test_the_grid_code_is_checked_to_be_only_arithmetic():
    ok = ("def _grid(v0, w0):\n    _s = _shape(v0)\n    v1 = _node((v0 * (2.0)), v0) if w0 else _nan\n"
          "    return (v0, v1, )\n")
    assert cached.generated(ok, grid=True)
    for bad in ["def _grid(v0):\n    return v0.__class__\n", "def _grid(v0):\n    return v0[0]\n",
                "def _grid(v0):\n    return 'text'\n", "def _grid(v0):\n    return _graph(v0)\n",
                "def _grid(v0):\n    return (v0 == v0)\n", "def _grid(v0):\n    return open(v0)\n"]:
        with pytest.raises(cached.Miss):
            cached.generated(bad, grid=True)
    with pytest.raises(cached.Miss):  # the scalar code's helpers are not the grid code's
        cached.generated("def _graph(v0):\n    return _node(v0), ()\n")


@pytest.mark.parametrize(("args", "normal_error"), [
    (["--vary", "tp_degree=1,2", "scenarios/compare-llama3-70b-8xh100.yaml"], None),  # computed: typed over
    (["--vary", "batch=1:4", "--plot", "t_step:batch", "-o", "x.png"], None),
    (["--vary", "batch=1:4", "--color", "seq_len"], "--color needs --plot"),
    (["--vary", "batch=1:4", "--only", "nosuch"], "unknown quantity 'nosuch'"),
    (["--vary", "batch=1:4", "--set", "t_step=17 ms"], None),  # a pin changes the graph
    (["--vary", "batch=1:4", "--set", "seq_len=0"], "seq_len"),  # out of its domain
    (["--vary", "batch=1:4", "--set", "hbm_bandwidth=5"], "hbm_bandwidth"),  # a unit is needed
    (["--vary", "batch=1:4", "--set", "nosuch=5"], "nosuch"),
    (["--vary", "nosuch=1:4"], "cannot vary unknown quantity 'nosuch'"),
    (["--vary", "batch=4:1"], "ends (1) below its start (4)"),
    (["--vary", "batch=1:4:0"], "the step of batch must be positive"),
    (["--vary", "batch=1:4:2:1"], "a range has START:STOP or START:STOP:STEP"),
    (["--vary", "batch=1 GB,2"], "does not fit the unit"),
    (["--vary", "seq_len=1 ktoken/sequence,2 token/sequence,3"], "values mix several units and some have none"),
    (["--vary", "batch=1:4", "--vary", "batch=5"], "batch is varied twice"),
    (["--vary", "batch=1:1e7", "--vary", "seq_len=1,2"], "more than 10,000,000"),
    (["--vary", "batch=lots"], "cannot read 'lots'"),
    (["--vary", "batch=1:4", "--out", "grid.csv"], "--out writes FILE.parquet"),
    (["--vary", "seq_len=1024,8192,32768,1000000", "--only", "max_batch"], "no value"),  # a guess that fails
])
def test_what_the_cache_cannot_settle_goes_the_normal_way_and_is_worded_by_it(args, normal_error, run, cache,
                                                                            monkeypatch, tmp_path):
    run("sweep", "--vary", "batch=1:4")
    run("sweep", "scenarios/compare-llama3-70b-8xh100.yaml", "--vary", "batch=1:4")
    monkeypatch.chdir(ROOT)
    args = [str(tmp_path / a) if a == "x.png" else a for a in args]
    calls = []
    real = sweep.cmd_sweep
    monkeypatch.setattr(sweep, "cmd_sweep", lambda a: calls.append(1) or real(a))
    missed = run("sweep", *args)
    assert calls == [1]  # the normal path answered
    assert missed == run("sweep", *args, "--no-cache")
    if normal_error:
        assert normal_error in missed[2]


@pytest.mark.parametrize("sets", [["seq_len=2048"], ["seq_len=4096 token/sequence", "--only", "t_step"],
                                  ["batch=8"], ["hbm_bandwidth=1.6e12 B/s/chip", "--only", "layers"],
                                  ["seq_len=2048", "--only", "layers"]])
def test_set_values_on_a_sweep_hit_equal_the_normal_path(sets, run, cache, monkeypatch):
    args = ["--vary", "batch=1:300:7", *[a if a.startswith("--") or a == sets[-1] and "=" not in a
                                         else f"--set={a}" for a in sets]]
    run("sweep", "--vary", "batch=1:4")
    cold = run("sweep", *args, "--no-cache")
    assert answered_from_cache(run, monkeypatch, *args) == cold
    assert answered_from_cache(run, monkeypatch, *args, "--strict") == run("sweep", *args, "--strict", "--no-cache")


NUMBERS = st.one_of(st.integers(-10 ** 6, 10 ** 6).map(str),
                    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
                    st.decimals(-1000, 1000, places=3, allow_nan=False, allow_infinity=False).map(str))


@settings(max_examples=int(os.environ.get("CALCGRAPH_FUZZ_EXAMPLES", "300")), deadline=None)
@given(st.one_of(st.tuples(NUMBERS, NUMBERS).map(":".join),
                 st.tuples(NUMBERS, NUMBERS, NUMBERS).map(":".join),
                 st.lists(NUMBERS, min_size=1, max_size=6).map(",".join)),
       st.sampled_from(["batch", "seq_len", "chips"]))
def test_the_vary_reader_reads_numbers_as_parse_axes_does(values, name):
    entry = _ENTRY[0]
    text = f"{name}={values}"
    try:
        expected = parse_axes([text], _SCENARIO[0].graph)[0].values
    except CalcgraphError:
        expected = None
    try:
        got = sweepcached.read_axes([text], entry)[0][1]
    except cached.Miss:
        got = None
    if expected is None or got is None:
        assert got is None  # the reader refuses whatever parse_axes refuses (it may refuse more)
        return
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


_SCENARIO = [bind(load_spec())]
_ENTRY = [__import__("calcgraph.render.compiledgrid", fromlist=["sweep_entry"]).sweep_entry(_SCENARIO[0])]


def test_the_vary_reader_takes_units_from_the_table_only():
    entry = _ENTRY[0]
    got = sweepcached.read_axes(["seq_len=1 ktoken/sequence:4 ktoken/sequence"], {**entry, "units": {
        **entry["units"], "ktoken/sequence": [1000.0, entry["axes"]["seq_len"]["dim"]]}})
    assert got[0][1].tolist() == [1000.0, 2000.0, 3000.0, 4000.0]
    with pytest.raises(cached.Miss):
        sweepcached.read_axes(["seq_len=1 ktoken/sequence:4 ktoken/sequence"], entry)
    assert math.isclose(sweepcached.read_axes(["batch=1:2"], entry)[0][1][-1], 2.0)
    assert cachestore.cache_dir()  # the suite's cache folder, never the user's


def test_a_pinned_layout_varies_from_the_cache_as_an_input(run, cache, monkeypatch):
    args = [fixture("pin-breaks-cycle.yaml"), "--vary", "tp_degree=1,2,4,8", "--vary", "pp_degree=1,3"]
    cold = run("sweep", *args)
    hit = answered_from_cache(run, monkeypatch, *args)
    assert hit == cold and "warning" not in hit[2]  # a pin is no typed-over formula


def test_a_set_value_an_axis_replaces_is_named_on_both_paths(run, cache, monkeypatch):
    args = ["--vary", "batch=1:3", "--set", "batch=5", "--only", "t_step"]
    cold = run("sweep", *args, "--no-cache")
    assert "calcgraph sweep: warning: --set batch=5: --vary batch replaces this value at every point" in cold[2]
    run("sweep", *args)  # writes the entry
    assert answered_from_cache(run, monkeypatch, *args) == cold
