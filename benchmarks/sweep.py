"""A 10^6-point sweep of the default graph to CSV and Parquet: calcgraph against hand-written numpy.

The grid is batch 1..1000 x seq_len 128..128000 (step 128): 10^6 points, the
varied inputs then every computed quantity of the default scenario in its
declared unit. calcgraph: ``calcgraph sweep --vary ... --only ... --csv FILE``
through ``calcgraph.cli.main`` (YAML loading and checking included), with polars
formatting the CSV and with Python's ``shortest_text`` (the fallback, 1 round only:
about a minute); to Parquet (``--out``, needs pyarrow). numpy: the same formulas by hand on broadcast arrays in blocks
of rows, ``%.10g`` text by one ``%`` per block. ``marginal``: (10^6-point run -
1-point run) / 10^6 (targets: CSV <= 1 us, Parquet <= 0.3 us per point).

Each run is a fresh subprocess, alternated for ``rounds`` rounds (the machine is
shared and noisy; medians), writing a file that does not exist yet. Printed:
times, their ratio (target <= 1.5), us per point, peak resident memory (target
< 1 GiB) and whether the CSVs agree (identical bytes, else every number within
a relative 1e-9). Usage: ``python benchmarks/sweep.py [ROUNDS]``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BATCH = (1, 1000, 1)
SEQ_LEN = (128, 128000, 128)
VARY = [f"batch={BATCH[0]}:{BATCH[1]}:{BATCH[2]}", f"seq_len={SEQ_LEN[0]}:{SEQ_LEN[1]}:{SEQ_LEN[2]}"]
SLICES = (1, 4, 8, 16, 32, 64, 128, 256)
ROWS = 65  # batch values per block: 65 x 1000 points, as calcgraph's 2^16-point blocks

# Every computed quantity of the default scenario, in the order of formulas/serving.yaml.
COLUMNS = [
    "n_params_estimate", "flops_per_chip", "param_bytes", "flops_per_token", "kv_per_token", "kv_per_sequence",
    "tp_degree", "kv_heads_stored", "kv_per_token_stored", "kv_cache_bytes", "total_memory", "hbm_capacity",
    "min_chips", "min_chips_weights", "slice_chips", "min_slice_chips", "free_hbm", "max_batch", "b_crit",
    "t_param_load", "t_kv_load", "t_flops", "t_step", "throughput", "throughput_per_chip", "latency_floor",
    "t_step_full_hbm", "request_latency", "qps_per_chip", "ici_critical_intensity", "hbm_ici_ratio",
    "tp_limit_ici", "tp_limit_bandwidth", "t_matmul_ici", "t_matmul_hbm", "t_matmul_flops", "prefill_time",
    "requests_finished_per_step", "steps_per_finished_request", "kv_tokens_per_request", "kv_evicted_per_step",
    "prefill_to_generate_ratio", "flops_per_dollar", "cost_per_million_tokens",
]
# The declared unit of each column as a factor to base units (only the ones that are not 1).
DECLARED = {"cost_per_million_tokens": 1e-6}


# ------------------------------------------------------------------ the hand-written side

def snap(x):
    """The formulas' ceil/floor first snap values within 1e-9 of an integer."""
    nearest = np.round(x)
    return np.where(np.abs(x - nearest) <= 1e-9 * np.maximum(1.0, np.abs(x)), nearest, x)


def ceil_to(x, allowed=SLICES):
    """The smallest allowed value >= x (NaN above the largest)."""
    x = snap(np.asarray(x, dtype=float))
    out = np.full(x.shape, np.nan)
    for value in sorted(allowed, reverse=True):
        out = np.where(x <= value, value, out)
    return out


def hand_block(v: dict, B: np.ndarray, S: np.ndarray) -> dict:
    """Every column for batch values B (rows) and seq_len values S (columns), base units."""
    L, D, F, N, K, H, V = (v[n] for n in ("layers", "d_model", "d_ff", "n_heads", "n_kv_heads", "d_head", "vocab"))
    chips, P, wb, kvb = v["chips"], v["n_params"], v["weight_bytes"], v["kv_bytes"]
    fpp, dec, bw, eff = v["flops_per_param"], v["decode_tokens"], v["hbm_bandwidth"], v["hbm_efficiency"]
    gen, pre, ici, one_seq = v["gen_len"], v["prefill_len"], v["ici_bandwidth"], v["one_sequence"]
    c = {}
    c["n_params_estimate"] = L * D * (3 * F + 2 * H * (N + K)) + (2 - v["tied_embeddings"]) * V * D
    c["flops_per_chip"] = fpc = v["flops_per_chip_bf16"]
    c["param_bytes"] = pb = P * wb
    c["flops_per_token"] = fpp * P
    c["kv_per_token"] = kvt = v["kv_vectors"] * L * K * H * kvb
    c["kv_per_sequence"] = kvt * S
    c["tp_degree"] = tp = chips / v["one_chip"]
    c["kv_heads_stored"] = heads = max(K, v["kv_replicate"] * tp)
    c["kv_per_token_stored"] = kvs = v["kv_vectors"] * L * heads * H * kvb
    c["kv_cache_bytes"] = kv = kvs * S * B
    c["total_memory"] = total = pb + kv
    c["hbm_capacity"] = cap = chips * v["hbm_per_chip"]
    c["min_chips"] = mc = np.ceil(snap(total / v["hbm_per_chip"]))
    c["min_chips_weights"] = mcw = np.ceil(snap(pb / v["hbm_per_chip"]))
    c["slice_chips"] = ceil_to(mcw)
    c["min_slice_chips"] = ceil_to(mc)
    c["free_hbm"] = free = cap - pb
    largest = np.floor(snap(free / (kvs * S)))            # largest batch with total_memory <= hbm_capacity
    c["max_batch"] = np.where(largest >= 1, np.minimum(largest, 1e6), np.nan)
    c["b_crit"] = fpc * wb / (fpp * bw * dec)
    c["t_param_load"] = tpl = pb / (chips * bw * eff)
    c["t_kv_load"] = tkv = kv / (chips * bw * eff)
    c["t_flops"] = tf = fpp * P * B * dec / (chips * fpc)
    c["t_step"] = step = np.maximum(tf, tpl) + tkv
    c["throughput"] = thr = B * dec / step
    c["throughput_per_chip"] = thr / chips
    c["latency_floor"] = pb / (chips * bw)
    c["t_step_full_hbm"] = v["hbm_per_chip"] / bw
    c["request_latency"] = step * gen / dec
    c["qps_per_chip"] = B / (step * (gen / dec) * chips)
    c["ici_critical_intensity"] = ici_ci = fpc / (ici * v["flops_per_comm_byte"])
    c["hbm_ici_ratio"] = ratio = bw / ici
    c["tp_limit_ici"] = F * v["tp_axes"] / ici_ci
    c["tp_limit_bandwidth"] = F * one_seq / (B * ratio)
    c["t_matmul_ici"] = B * dec * D * v["act_bytes"] / (ici * v["one_chip"])
    c["t_matmul_hbm"] = D * F * wb / (chips * bw)
    c["t_matmul_flops"] = fpp * B * dec * D * F / (chips * fpc)
    c["prefill_time"] = prefill = fpp * P * pre * one_seq / (chips * fpc * v["mfu"])
    c["requests_finished_per_step"] = done = B / (gen / dec)
    c["steps_per_finished_request"] = one_seq / done
    c["kv_tokens_per_request"] = pre + gen
    c["kv_evicted_per_step"] = B * (pre + gen) / (gen / dec)
    c["prefill_to_generate_ratio"] = B * prefill / (step * (gen / dec) * one_seq)
    c["flops_per_dollar"] = fpc / v["price_per_chip_hour"]
    c["cost_per_million_tokens"] = v["price_per_chip_hour"] * chips / thr
    return c


def hand_sweep(inputs: dict, path: str) -> None:
    """The whole sweep by hand: blocks of rows, broadcast formulas, one ``%`` per block, atomic write."""
    batch = np.arange(BATCH[0], BATCH[1] + 1, BATCH[2], dtype=float)
    seq = np.arange(SEQ_LEN[0], SEQ_LEN[1] + 1, SEQ_LEN[2], dtype=float)
    names = ["batch", "seq_len", *COLUMNS]
    units = {"batch": "seq", "seq_len": "tok/seq"} | inputs["units"]
    header = ",".join(f"{n} [{units[n]}]" for n in names) + "\n"
    S = seq[None, :]
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="") as out:
        out.write(header)
        row = None
        for first in range(0, len(batch), ROWS):
            B = batch[first:first + ROWS, None]
            block = hand_block(inputs["values"], B, S) | {"batch": B, "seq_len": S}
            shape = (B.shape[0], S.shape[1])
            if row is None:
                varying = [n for n in names if np.ndim(block[n]) > 0 and np.size(block[n]) > 1]
                cells = ["%.10g" if n in varying else "%.10g" % (block[n] / DECLARED.get(n, 1.0)) for n in names]
                row = ",".join(cells) + "\n"
            table = np.column_stack([np.broadcast_to(block[n], shape).reshape(-1) / DECLARED.get(n, 1.0)
                                     for n in varying])
            for start in range(0, table.shape[0], 2 ** 14):
                part = table[start:start + 2 ** 14]
                out.write((row * part.shape[0]) % tuple(part.ravel().tolist()))
    os.replace(temporary, path)


# ------------------------------------------------------------------ children and comparison

def child(kind: str, path: str, inputs_path: str | None) -> None:
    """One timed run in this process; prints JSON: seconds and peak RSS."""
    start = time.perf_counter()
    if kind == "numpy":
        hand_sweep(json.loads(Path(inputs_path).read_text()), path)
    else:
        from calcgraph.cli import main
        from calcgraph.render.sweep import files as sweepfiles
        sweepfiles.FAST_FROM = math.inf if kind == "python-writer" else sweepfiles.FAST_FROM  # no polars
        vary = ["batch=1", "seq_len=128"] if kind.endswith("one") else VARY
        target = ["--out", path] if kind.startswith("parquet") else ["--csv", path]
        args = ["sweep", *sum((["--vary", v] for v in vary), []), *sum((["--only", c] for c in COLUMNS), []),
                *target]
        if main(args) != 0:
            raise SystemExit("calcgraph sweep failed")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"seconds": seconds, "peak": peak}))


def run_child(kind: str, path: str, inputs_path: str) -> dict:
    if os.path.exists(path):  # each run writes a new file: deleting the last run's 0.5 GB is not writing
        os.unlink(path)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", kind, path, inputs_path], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    return result


def inputs_of_default() -> dict:
    """The default scenario's input values (base units) and each column's declared unit."""
    import calcgraph
    from calcgraph.core.units import format_unit
    model = calcgraph.load()
    missing = [c for c in COLUMNS if c not in model.graph]
    extra = [n for n in model.names() if not model.graph[n].is_input and n not in COLUMNS]
    if missing:
        raise SystemExit(f"the default graph no longer has {missing}: update COLUMNS and hand_block")
    if extra:
        print(f"note: computed quantities not in this benchmark: {', '.join(extra)}")
    values = {n: float(model.raw[n]) for n in model.names() if model.graph[n].is_input}
    units = {c: format_unit(model.graph[c].unit.pint_unit) or "1" for c in COLUMNS}
    for name, factor in DECLARED.items():
        assert math.isclose(model.graph[name].unit.factor, factor), name
    return {"values": values, "units": units}


def compare(a: str, b: str, rtol: float = 1e-9) -> str:
    """'identical', 'equal within 1e-9' or a description of the first difference."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 22), fb.read(1 << 22)
            if x != y:
                break
            if not x:
                return "identical"
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        head_a, head_b = fa.readline(), fb.readline()
        extra = head_a.strip() == head_b.strip() + ",checks_failed [1]"  # calcgraph's feasibility column
        if head_a != head_b and not extra:
            return f"headers differ:\n  {head_a.strip()}\n  {head_b.strip()}"
        names = head_b.strip().split(",")
        failing = differ = 0
        for number, (line_a, line_b) in enumerate(zip(fa, fb, strict=True), start=2):
            if extra:
                line_a, _, checks = line_a.rpartition(",")
                line_a += "\n"
                failing += checks.strip() != "0"
            if line_a == line_b:
                continue
            differ += 1
            x = np.array(line_a.split(","), dtype=float)
            y = np.array(line_b.split(","), dtype=float)
            bad = ~(np.isclose(x, y, rtol=rtol, atol=0) | (np.isnan(x) & np.isnan(y)))
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                return f"line {number}, {names[first]}: {x[first]!r} != {y[first]!r}"
    same = f"equal within {rtol:g} ({differ:,} rows not byte-identical)" if differ else "identical"
    return f"the numpy columns {same}; plus checks_failed (non-zero on {failing:,} rows)" if extra else same


def evaluation_alone(inputs: dict, rounds: int) -> tuple[float, float, float]:
    """In-process seconds to evaluate every column without writing: calcgraph, numpy, max_batch alone."""
    import calcgraph
    from calcgraph.engine.axes import parse_axes
    from calcgraph.render.sweep.columns import SweepRun
    model = calcgraph.load()
    axes = parse_axes(VARY, model.graph)
    batch = np.arange(BATCH[0], BATCH[1] + 1, BATCH[2], dtype=float)
    S = np.arange(SEQ_LEN[0], SEQ_LEN[1] + 1, SEQ_LEN[2], dtype=float)[None, :]

    def ours(columns):
        start = time.perf_counter()
        SweepRun(model.scenario, axes, ["batch", "seq_len", *columns]).run()
        return time.perf_counter() - start

    def hand():
        start = time.perf_counter()
        for first in range(0, len(batch), ROWS):
            hand_block(inputs["values"], batch[first:first + ROWS, None], S)
        return time.perf_counter() - start

    o = statistics.median(ours(COLUMNS) for _ in range(rounds))
    h = statistics.median(hand() for _ in range(rounds))
    solve = statistics.median(ours(["max_batch"]) for _ in range(rounds))
    return o, h, solve


def main(rounds: int = 3) -> None:
    inputs = inputs_of_default()
    points = len(range(BATCH[0], BATCH[1] + 1, BATCH[2])) * len(range(SEQ_LEN[0], SEQ_LEN[1] + 1, SEQ_LEN[2]))
    with tempfile.TemporaryDirectory(prefix="calcgraph-bench-") as folder:
        inputs_path = os.path.join(folder, "inputs.json")
        Path(inputs_path).write_text(json.dumps(inputs))
        ours_csv, hand_csv = os.path.join(folder, "calcgraph.csv"), os.path.join(folder, "numpy.csv")
        ours, hand, parquet, one, one_parquet, fallback = [], [], [], [], [], []
        parquet_path, one_path = os.path.join(folder, "calcgraph.parquet"), os.path.join(folder, "one.csv")
        with_parquet = importlib.util.find_spec("pyarrow") is not None
        with_polars = importlib.util.find_spec("polars") is not None  # else the main run is already Python's
        for _ in range(rounds):
            hand.append(run_child("numpy", hand_csv, inputs_path))
            ours.append(run_child("calcgraph", ours_csv, inputs_path))
            if with_polars and not fallback:
                fallback.append(run_child("python-writer", ours_csv + ".python", inputs_path))
            one.append(run_child("one", one_path, inputs_path))
            if with_parquet:
                parquet.append(run_child("parquet", parquet_path, inputs_path))
                one_parquet.append(run_child("parquet-one", one_path + ".parquet", inputs_path))
        verdict = compare(ours_csv, hand_csv)
        size = os.path.getsize(ours_csv)
    eval_ours, eval_hand, eval_solve = evaluation_alone(inputs, rounds)
    o = statistics.median(r["seconds"] for r in ours)
    h = statistics.median(r["seconds"] for r in hand)
    ow = statistics.median(r["wall"] for r in ours)
    hw = statistics.median(r["wall"] for r in hand)
    peak = max(r["peak"] for r in ours)
    print(f"grid              {points:,} points x {len(COLUMNS) + 2} columns, CSV {size / 1e6:.0f} MB")
    print(f"hand-written numpy median {h:6.2f} s  ({h / points * 1e6:.2f} us/point; {hw:.2f} s with start-up)")
    print(f"calcgraph sweep   median {o:6.2f} s  ({o / points * 1e6:.2f} us/point; {ow:.2f} s with start-up)")
    print(f"ratio             {o / h:.2f}x  (target <= 1.5x; {ow / hw:.2f}x with start-up)  [{rounds} rounds]")
    print(f"evaluation alone  calcgraph {eval_ours:.3f} s ({eval_ours / points * 1e6:.3f} us/point), "
          f"numpy {eval_hand:.3f} s ({eval_ours / eval_hand:.2f}x); the rest is CSV formatting and writing")
    print(f"max_batch alone   {eval_solve:.3f} s ({eval_solve / points * 1e6:.3f} us/point: the solve node "
          "over the grid)")
    print(f"peak memory       calcgraph {peak / 2**20:.0f} MiB (target < 1024 MiB), "
          f"numpy {max(r['peak'] for r in hand) / 2**20:.0f} MiB")
    from calcgraph.render.sweep.files import csv_writer
    writer = csv_writer(points)
    print(f"CSV               written by {writer} (shortest_text): {verdict} against the hand-written %.10g")
    start = statistics.median(r["seconds"] for r in one)
    print(f"one-point sweep   {start:.2f} s (start-up, loading, checking: subtracted below)")
    print(f"CSV marginal      {(o - start) / points * 1e6:.2f} us/point (target <= 1 us; the cell-by-cell "
          f"writer it replaces: 6.3-8.2 us), hand-written numpy {h / points * 1e6:.2f} us/point")
    if fallback:
        f = statistics.median(r["seconds"] for r in fallback)
        print(f"CSV without polars marginal {(f - start) / points * 1e6:.2f} us/point (Python, the fallback)")
    if parquet:
        p = statistics.median(r["seconds"] for r in parquet)
        p1 = statistics.median(r["seconds"] for r in one_parquet)
        print(f"Parquet           median {p:6.2f} s, marginal {(p - p1) / points * 1e6:.2f} us/point "
              "(target <= 0.3 us)")
    else:
        print("Parquet           not measured: pyarrow is not installed")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
