"""``calcgraph new``: a commented template of a model preset, a chip preset or a scenario, fields from the graph's
inputs; figures to supply are ``FILL ...``, which ``calcgraph check`` names."""

from __future__ import annotations

import json

from calcgraph.core.graph import Graph

NOT_MODEL = {"flops_per_param", "embedding_flops"}    # conventions, not facts about a model
NOT_CHIP = {"one_chip", "pp_degree", "ep_degree", "chips",   # chosen by the scenario
            "compute_fp8", "compute_fp4"}                    # chosen by the dtype presets
CHIP_EXTRA = ("tp_axes", "collective_base_latency", "allreduce_hop_factor", "power_per_chip")
KINDS = {"model": ("model.yaml", NOT_MODEL, ()), "chip": ("hardware.yaml", NOT_CHIP, CHIP_EXTRA)}  # module, out, extra
COMPUTED_IN_PRESET = {"n_params": "n_params_estimate"}
DENSE_DEFAULTS = {"extra_params", "mla", "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim", "moe_layers",
                  "n_experts", "experts_per_token", "n_shared_experts", "d_ff_expert", "local_layers", "window"}
WORKLOAD = ("chips", "batch", "seq_len", "prefill_len", "gen_len")
REPORT = ("kv_per_token", "kv_cache_bytes", "total_memory", "min_chips", "t_step", "throughput",
          "throughput_per_chip", "max_batch", "cost_per_million_tokens")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _unit(graph: Graph, name: str) -> str:
    text = graph[name].unit.text
    return "" if text == "1" else text


def _fill(graph: Graph, name: str) -> str:
    unit = _unit(graph, name)
    return _q(f"FILL {name} in {unit}" if unit else f"FILL {name} (a plain number)")


def kind_fields(graph: Graph, kind: str) -> list[str]:
    """The inputs a preset of ``kind`` ("model" or "chip") gives, in declaration order.

    >>> import calcgraph
    >>> kind_fields(calcgraph.load("formulas/architectures.yaml").graph, "chip")[:2]
    ['flops_per_chip_bf16', 'flops_per_chip_int8']
    """
    module, left_out, extra = KINDS[kind]
    names = [n for n, q in graph.quantities.items() if (q.is_input or n in COMPUTED_IN_PRESET) and n not in left_out
             and str(q.where.file).replace("\\", "/").endswith("formulas/" + module)]
    return names + [n for n in extra if n in graph and n not in names]


def _field_line(graph: Graph, name: str, value: str, note: str) -> list[str]:
    return [f"  # {graph[name].doc} [{_unit(graph, name) or 'plain number'}]",
            f"  {name}: {{value: {value}, note: {_q(note)}}}"]


def template(graph: Graph, kind: str, title: str, formulas: str, presets: str = "../presets") -> str:
    """The commented YAML template of ``kind`` titled ``title``; ``formulas`` is the formulas folder
    seen from the file, ``presets`` the presets folder (scenarios only).

    >>> import calcgraph
    >>> text = template(calcgraph.load("formulas/architectures.yaml").graph, "model", "M", "../../formulas")
    >>> '  n_kv_heads: {value: "FILL n_kv_heads (a plain number)"' in text
    True
    """
    head = [f"# A {kind}{' preset' if kind != 'scenario' else ''} written by `calcgraph new {kind}`.",
            "# Replace every FILL (run `calcgraph check FILE` to list those left); give each figure",
            "# its unit and say where it comes from (note: or source:).",
            f"title: {_q(title)}"]
    if kind == "scenario":
        return "\n".join(head + _scenario(graph, formulas, presets)) + "\n"
    head += ['source: "FILL: the datasheet, paper or config.json these figures come from"',
             f"use: [{formulas}/{'architectures' if kind == 'model' else 'serving'}.yaml]  # the names set below",
             "set:"]
    body: list[str] = []
    for name in kind_fields(graph, kind):
        if name in COMPUTED_IN_PRESET:
            body += ["  # computed by the graph from the shapes above; put the checkpoint's count here if known",
                     f"  {name}: {{formula: {COMPUTED_IN_PRESET[name]}, note: \"from the shapes\"}}"]
        elif kind == "model" and name in DENSE_DEFAULTS:
            unit = _unit(graph, name)
            body += _field_line(graph, name, _q(f"0 {unit}") if unit else "0", "FILL or keep 0 (a dense, text-only "
                                "GQA model, every layer global); see docs/architectures.md")
        else:
            body += _field_line(graph, name, _fill(graph, name), "FILL: where this figure comes from")
    return "\n".join(head + body) + "\n"


def _scenario(graph: Graph, formulas: str, presets: str) -> list[str]:
    lines = ['doc: "FILL: what this scenario asks"',
             "use:",
             f"  - {formulas}/architectures.yaml",
             f"  - {presets}/models/FILL.yaml      # a model preset (calcgraph import-model, calcgraph new model)",
             f"  - {presets}/chips/FILL.yaml       # a chip preset (calcgraph new chip)",
             f"  - {presets}/dtypes/FILL.yaml      # bf16, fp8, int8, int4, ...",
             "set:"]
    for name in WORKLOAD:
        if name in graph:
            lines += _field_line(graph, name, _fill(graph, name), "FILL")
    report = [n for n in REPORT if n in graph]
    lines += ["# the quantities `eval` and `table` show (eval --all: every one)",
              f"report: [{', '.join(report)}]",
              "# variants: one column each in `calcgraph table`",
              "# variants:",
              "#   batch-64: {batch: 64}"]
    return lines
