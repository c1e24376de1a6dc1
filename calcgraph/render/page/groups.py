"""The page's inputs: groups in reading order, idle inputs folded (no reported result depends on them at the
scenario's values, e.g. ``mla * (...)`` without MLA), each with its domain and ``--set``'s message."""

from __future__ import annotations

import math
from pathlib import Path

from calcgraph.core.evaluate import compile_node
from calcgraph.core.units import shown_parts

GROUPS = (("workload", "Workload and deployment"), ("hardware", "Hardware"),
          ("model", "Model and precision"), ("assumptions", "Assumptions and constants"))
FIRST = ("batch", "seq_len", "prefill_len", "gen_len", "chips", "pp_degree", "ep_degree", "request_rate")
RESULTS = ("t_step", "ttft", "tpot", "throughput", "throughput_per_chip", "cost_per_million_tokens",
           "max_batch", "b_crit", "total_memory", "kv_cache_bytes", "min_chips")
_MODULES = {"workload": "workload", "load": "workload", "layout": "workload", "traffic": "workload",
            "hardware": "hardware", "collectives": "hardware", "model": "model", "attention": "model",
            "moe": "model", "memory": "model", "quant": "model", "architectures": "model"}
_PRESETS = {"chips": "hardware", "models": "model", "dtypes": "model", "assumptions": "assumptions"}


def input_group(ev, name: str) -> str:
    """The group key of input ``name``: by the preset its value came from, else by the module defining it.

    >>> import calcgraph
    >>> ev = calcgraph.load().evaluated
    >>> [input_group(ev, n) for n in ("batch", "hbm_bandwidth", "d_model", "hbm_efficiency")]
    ['workload', 'hardware', 'model', 'assumptions']
    """
    if name in FIRST:
        return "workload"
    parts = _path(ev.scenario.bound[name].where).parts
    if "presets" in parts:
        return _PRESETS.get((parts[parts.index("presets") + 1:] or [""])[0], "assumptions")
    return _MODULES.get(_path(ev.graph[name].where).stem, "assumptions")


def _path(where) -> Path:
    """The file of a Location (its own, not text cut at a colon: ``C:\\`` has one), or a ``--set`` text."""
    return Path(str(getattr(where, "file", where)))


def ordered_inputs(ev, names) -> list[str]:
    """``names`` in page order: by group, the everyday workload names first, then the graph's order."""
    rank = {key: i for i, (key, _) in enumerate(GROUPS)}
    first = {n: i for i, n in enumerate(FIRST)}
    position = {n: i for i, n in enumerate(names)}
    return sorted(names, key=lambda n: (rank[input_group(ev, n)], first.get(n, len(first)), position[n]))


def _value(node: tuple, env) -> float:
    try:
        return float(compile_node(node)(env))
    except (ArithmeticError, KeyError, TypeError, ValueError):
        return math.nan


def _children(node: tuple):
    for part in node[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            yield part
        elif isinstance(part, tuple | list):
            yield from (p for p in part if isinstance(p, tuple) and p and isinstance(p[0], str))


def live_names(node: tuple, env) -> set[str]:
    """The names whose value can change ``node``'s at ``env``: a product with a zero factor keeps that factor only.

    >>> sorted(live_names(("*", ("name", "mla"), ("name", "kv_lora_rank")), {"mla": 0.0, "kv_lora_rank": 512.0}))
    ['mla']
    """
    kind = node[0]
    if kind == "name":
        return {node[1]}
    if kind == "*":
        for side in (node[1], node[2]):
            if _value(side, env) == 0:
                return live_names(side, env)
    return set().union(*(live_names(child, env) for child in _children(node)))


def idle_inputs(ev, roots) -> set[str]:
    """Inputs no quantity of ``roots`` depends on at ``ev``'s values (``live_names`` through every formula)."""
    graph, env = ev.graph, dict(ev.values)
    reached: set[str] = set()
    stack = [n for n in roots if n in graph]
    while stack:
        name = stack.pop()
        if name not in reached and name not in ev.scenario.bound:
            formula = graph[name].formula
            stack += live_names(formula.node, env) if formula is not None else graph.pred.get(name, ())
        reached.add(name)
    return {n for n in ev.scenario.bound if n not in reached}


def domain(quantity) -> dict | None:
    """The declared domain of an input in base units, with the command line's wording (``must be >= 1 seq``)."""
    if quantity.minimum is None and quantity.maximum is None:
        return None
    parts = []
    for bound, strict, signs in ((quantity.minimum, quantity.min_strict, (">", ">=")),
                                 (quantity.maximum, quantity.max_strict, ("<", "<="))):
        if bound is not None:
            number, unit = shown_parts(bound, quantity.unit, quantity.unit)
            parts.append(f"{signs[0] if strict else signs[1]} {number} {unit}".strip())
    return {"min": quantity.minimum, "max": quantity.maximum, "min_strict": bool(quantity.min_strict),
            "max_strict": bool(quantity.max_strict), "text": "must be " + " and ".join(parts)}
