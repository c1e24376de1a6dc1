"""Run llm-analysis and GenZ on LLaMA 3-70B bf16, 8 H100 (TP 8), batch 32, 8192 context: one decode step.

Not part of the test suite. Run it with an interpreter that has the peers installed, e.g.
``/work/peers-venv/bin/python benchmarks/peers/run_peers.py``; it prints a Markdown table.
Each tool gets the figures of presets/chips/h100.yaml where its API takes them.
"""

from __future__ import annotations

import sys
import warnings

# presets/chips/h100.yaml, and the NCCL latencies in it
HBM_GBS = 3350.0          # hbm_bandwidth, GB/s
HBM_GB = 85.899345920     # hbm_per_chip (80 GiB), GB
BF16_TFLOPS = 990.0       # flops_per_chip_bf16 (dense)
NVLINK_GBS = 450.0        # ici_bandwidth: one direction, what one GPU sends
NVLINK_STEP_US = 0.6      # ici_hop_latency (NCCL hwLat NVLink ring LL)
TP, BATCH, CONTEXT = 8, 32, 8192


def llm_analysis_step() -> dict:
    """llm-analysis: decode latency and its TP all-reduce part, in ms."""
    from llm_analysis.analysis import LLMAnalysis
    from llm_analysis.config import GPUConfig, ModelConfig, ParallelismConfig
    model = ModelConfig(name="llama3-70b", num_layers=80, n_head=64, hidden_dim=8192, vocab_size=128256,
                        max_seq_len=8192, num_key_value_heads=8, ffn_embed_dim=4 * 8192, model_type="llama")
    model.ffn_embed_dim = 28672  # its check wants a whole multiple of hidden_dim; LLaMA 3-70B has 3.5x
    gpu = GPUConfig(name="h100-calcgraph", mem_per_GPU_in_GB=HBM_GB, hbm_bandwidth_in_GB_per_sec=HBM_GBS,
                    intra_node_bandwidth_in_GB_per_sec=NVLINK_GBS, intra_node_min_message_latency=8e-06,
                    peak_fp16_TFLOPS=BF16_TFLOPS)
    analysis = LLMAnalysis(model, gpu, parallelism_config=ParallelismConfig(tp_size=TP),
                           flops_efficiency=1.0, hbm_memory_efficiency=1.0)
    # the step at context 8192: a prompt of 8191 tokens, one token generated
    summary = analysis.inference(batch_size_per_gpu=BATCH, seq_len=CONTEXT - 1, num_tokens_to_generate=1)
    comm = 2 * analysis.model_config.num_layers * analysis.get_latency_fwd_per_layer_tp_comm(BATCH, 1, 2)
    return {"step_ms": summary["decode_latency"] * 1e3, "comm_ms": comm * 1e3,
            "weights_gb": summary.get("weight_memory_per_gpu", float("nan")) * TP / 1e9,
            "kv_gb": summary.get("kv_cache_memory_per_gpu", float("nan")) * TP / 1e9}


def genz_step() -> dict:
    """GenZ: decode latency and its communication part, in ms."""
    from GenZ import decode_moddeling
    system = {"real_values": True, "Flops": BF16_TFLOPS, "Memory_BW": HBM_GBS, "Memory_size": HBM_GB,
              "ICN": NVLINK_GBS, "ICN_LL": NVLINK_STEP_US}
    out = decode_moddeling(model="meta-llama/Llama-3.1-70B", batch_size=BATCH, input_tokens=CONTEXT - 1,
                           output_tokens=1, Bb=1, system_name=system, system_eff=1, bits="bf16",
                           tensor_parallel=TP)
    breakdown = out.Runtime_breakdown
    comm = sum(float(getattr(breakdown, f)) for f in ("Collective",)
               if hasattr(breakdown, f)) if breakdown is not None else float("nan")
    return {"step_ms": float(out.Latency), "comm_ms": comm}


def main() -> int:
    """Print one row per peer that is installed."""
    warnings.filterwarnings("ignore")
    rows = []
    for name, run in (("llm-analysis", llm_analysis_step), ("GenZ", genz_step)):
        try:
            result = run()
        except ImportError as exc:
            print(f"skipping {name}: not installed ({exc})", file=sys.stderr)
            continue
        rows.append((name, result))
    print("| tool | decode step (ms) | communication (ms) |")
    print("|---|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['step_ms']:.3f} | {r['comm_ms']:.3f} |")
    for name, r in rows:
        print(name, r, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
