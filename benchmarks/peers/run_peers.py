"""Run calcgraph, llm-analysis and GenZ on LLaMA 3-70B bf16, 8 H100 (TP 8), batch 32, 8192 context.

One decode step, each tool given the figures of presets/chips/h100.yaml (read from the file). Not part
of the test suite. Run it with the interpreter that has the peers installed, pointing at calcgraph's CLI:

    /work/peers-venv/bin/python benchmarks/peers/run_peers.py --calcgraph .venv/bin/calcgraph

It prints the Markdown table of docs/peers.md, then the figures its explanations quote.

GenZ note: ``decode_moddeling`` returns ``ModdelingOutput``, a ``dict`` subclass whose class body
declares ``Latency: float = 0`` and ``Runtime_breakdown = None`` (GenZ/LLM_inference/utils.py). The
results are dict items, so ``out.Latency`` is always the class default 0 and ``out.Runtime_breakdown``
None; read ``out["Latency"]``. GenZ's units are binary for bandwidth: ``Memory_BW`` and ``ICN`` are in
GiB/s (Unit.unit_bw = 'GBsec' looks up binary_dicts['G'] = 2**30, GenZ/unit.py), ``Memory_size`` in GiB
(x 1024 MiB), ``Flops`` in decimal TFLOP/s, ``ICN_LL`` in us.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/compare-llama3-70b-8xh100.yaml"
TP, BATCH, CONTEXT, LAYERS = 8, 32, 8192, 80
GIB = 2 ** 30
GENZ_START_LATENCY_US = 5.0  # GenZ/collective_times.py get_AR_time: the 5e-6 s start latency, hard-coded
UNITS = {"FLOP/s/chip": 1.0, "B/s/chip": 1.0, "GiB/chip": float(GIB), "us": 1e-6}


def preset(path: Path = ROOT / "presets/chips/h100.yaml") -> dict[str, float]:
    """The chip preset's figures in SI base units (FLOP/s, B/s, B, s)."""
    out = {}
    for name, entry in yaml.safe_load(path.read_text())["set"].items():
        value = entry["value"] if isinstance(entry, dict) else entry
        number, _, unit = str(value).partition(" ")
        if unit in UNITS:
            out[name] = float(number) * UNITS[unit]
        elif not unit:
            out[name] = float(number)
    return out


def allreduce_zero_bytes_s(chip: dict[str, float]) -> float:
    """calcgraph's all-reduce at zero bytes: NCCL base latency + 2(Y-1) ring steps."""
    return chip["collective_base_latency"] + chip["allreduce_hop_factor"] * (TP - 1) * chip["ici_hop_latency"]


def llm_analysis_step(chip: dict[str, float]) -> dict:
    """llm-analysis: decode latency and its TP all-reduce part, in ms."""
    from llm_analysis.analysis import LLMAnalysis
    from llm_analysis.config import GPUConfig, ModelConfig, ParallelismConfig
    model = ModelConfig(name="llama3-70b", num_layers=LAYERS, n_head=64, hidden_dim=8192, vocab_size=128256,
                        max_seq_len=CONTEXT, num_key_value_heads=8, ffn_embed_dim=4 * 8192, model_type="llama")
    model.ffn_embed_dim = 28672  # its check wants a whole multiple of hidden_dim; LLaMA 3-70B has 3.5x
    gpu = GPUConfig(name="h100-calcgraph", mem_per_GPU_in_GB=chip["hbm_per_chip"] / 1e9,
                    hbm_bandwidth_in_GB_per_sec=chip["hbm_bandwidth"] / 1e9,
                    intra_node_bandwidth_in_GB_per_sec=chip["ici_bandwidth"] / 1e9,
                    intra_node_min_message_latency=allreduce_zero_bytes_s(chip),
                    peak_fp16_TFLOPS=chip["flops_per_chip_bf16"] / 1e12)
    analysis = LLMAnalysis(model, gpu, parallelism_config=ParallelismConfig(tp_size=TP),
                           flops_efficiency=1.0, hbm_memory_efficiency=1.0)
    # the step at context 8192: a prompt of 8191 tokens, one token generated
    summary = analysis.inference(batch_size_per_gpu=BATCH, seq_len=CONTEXT - 1, num_tokens_to_generate=1)
    comm = 2 * LAYERS * analysis.get_latency_fwd_per_layer_tp_comm(BATCH, 1, 2)
    parts = {k: summary[f"decode_latency_fwd_{k}"] * 1e3 for k in
             ("attn", "mlp", "layernorm", "input_embedding", "output_embedding_loss")}
    return {"step_ms": summary["decode_latency"] * 1e3, "comm_ms": comm * 1e3,
            "kv_ms": summary["kv_cache_latency"] * 1e3, "kv_gb": summary["kv_cache_memory_per_gpu"] * TP / 1e9,
            "weights_gb": summary["weight_memory_per_gpu"] * TP / 1e9, **parts}


def genz_system(chip: dict[str, float], link_step_us: float) -> dict:
    """Our figures in GenZ's units (TFLOP/s, GiB/s, GiB, us)."""
    return {"real_values": True, "Flops": chip["flops_per_chip_bf16"] / 1e12,
            "Memory_BW": chip["hbm_bandwidth"] / GIB, "Memory_size": chip["hbm_per_chip"] / GIB,
            "ICN": chip["ici_bandwidth"] / GIB, "ICN_LL": link_step_us}


def genz_step(system: str | dict, hbm_bytes_per_s: float) -> dict:
    """GenZ: decode latency, communication, and where the rest goes, in ms."""
    from GenZ import decode_moddeling
    out = decode_moddeling(model="meta-llama/Llama-3.1-70B", batch_size=BATCH, input_tokens=CONTEXT - 1,
                           output_tokens=1, Bb=1, system_name=system, system_eff=1, bits="bf16",
                           tensor_parallel=TP)
    table, rows = out["summary_table"], out["model_df"]
    ar = rows.loc[rows["Layer Name"] == "MHA AR", "Latency (msec)"].iloc[0]
    weights, kv = (float(table[f"{k} (MB)"].iloc[0]) * 2 ** 20 for k in ("Total Weights", "KV Cache"))
    step, comm = float(out["Latency"]), float(out["Runtime_breakdown"].Collective)
    return {"step_ms": step, "comm_ms": comm, "rest_ms": step - comm, "allreduce_us": float(ar) * 1e3,
            "weights_gb": weights * TP / 1e9, "kv_gb": kv * TP / 1e9,
            "stream_ms": (weights + kv) / hbm_bytes_per_s * 1e3, "attn_ms": float(table["Attn Latency (msec)"].iloc[0]),
            "linear_ms": float(table["Linear Latency (msec)"].iloc[0])}


def calcgraph_rows(exe: str) -> dict[str, dict]:
    """calcgraph's table for the scenario and its variants, in ms."""
    run = subprocess.run([exe, "table", SCENARIO, "--format", "json"], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    rows = json.loads(run.stdout)["rows"]
    return {col: {"step_ms": rows["t_step"]["values"][col] * 1e3, "comm_ms": rows["t_comm"]["values"][col] * 1e3,
                  "allreduce_us": rows["t_allreduce"]["values"][col] * 1e6}
            for col in ("roofline", "peak-hbm", "base")}


def main(argv: list[str] | None = None) -> int:
    """Print the Markdown table rows of docs/peers.md and the figures behind them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calcgraph", default=str(ROOT / ".venv/bin/calcgraph"), help="calcgraph executable")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    chip = preset()
    cg = calcgraph_rows(args.calcgraph)
    la = llm_analysis_step(chip)
    step_us = chip["ici_hop_latency"] * 1e6
    folded_us = step_us + (chip["collective_base_latency"] * 1e6 - GENZ_START_LATENCY_US) / (2 * (TP - 1))
    builtin = genz_step("H100_GPU", 3400 * GIB)
    ours = genz_step(genz_system(chip, step_us), chip["hbm_bandwidth"])
    folded = genz_step(genz_system(chip, folded_us), chip["hbm_bandwidth"])
    rows = [
        ("calcgraph, chapter roofline (variant `roofline`)", cg["roofline"]),
        ("calcgraph, engine comm, peak HBM (variant `peak-hbm`)", cg["peak-hbm"]),
        ("calcgraph, `engine.yaml` (HBM efficiency 0.6)", cg["base"]),
        (f"llm-analysis 0.2.2, our figures, min message latency {allreduce_zero_bytes_s(chip) * 1e6:.1f} us", la),
        (f"GenZ 0.0.16, our figures (`ICN_LL` {step_us:g} us)", ours),
        (f"GenZ 0.0.16, our figures, NCCL's base latency folded into `ICN_LL` ({folded_us:.4f} us)", folded),
        ("GenZ 0.0.16, its own `H100_GPU` (989 TFLOP/s, 3400 GiB/s, 450 GiB/s, `ICN_LL` 1 us)", builtin),
    ]
    print("| tool / assumptions | decode step | of which communication | rest |")
    print("|---|---:|---:|---:|")
    for name, r in rows:
        rest = r["step_ms"] - r["comm_ms"]
        print(f"| {name} | {r['step_ms']:.2f} ms | {r['comm_ms']:.2f} ms | {rest:.2f} ms |")
    print()
    print(f"- calcgraph: one all-reduce {cg['base']['allreduce_us']:.2f} us")
    print(f"- llm-analysis: weights {la['weights_gb']:.1f} GB, KV {la['kv_gb']:.1f} GB (all ranks); KV "
          f"{la['kv_ms']:.3f} ms, attention {la['attn']:.3f}, MLP {la['mlp']:.3f}, input embedding "
          f"{la['input_embedding']:.3f}, output embedding {la['output_embedding_loss']:.3f}, "
          f"layernorm {la['layernorm']:.3f} ms")
    for name, r in (("GenZ ours", ours), ("GenZ folded", folded), ("GenZ H100_GPU", builtin)):
        print(f"- {name}: one all-reduce {r['allreduce_us']:.2f} us; weights {r['weights_gb']:.3f} GB, "
              f"KV {r['kv_gb']:.3f} GB (all ranks), streamed at its HBM bandwidth {r['stream_ms']:.3f} ms; "
              f"rest {r['rest_ms']:.3f} ms (linear {r['linear_ms']:.3f}, attention {r['attn_ms']:.3f}); rest "
              f"less the streaming {r['rest_ms'] - r['stream_ms']:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
