"""``calcgraph html``: one self-contained page (no network): graph data as JSON (text, never markup), formulas as
JavaScript, engine, figures, page script; each quantity's element has ``data-quantity`` and a live ``data-value``."""

from __future__ import annotations

import html
import json
import math
import re
from importlib import resources

from calcgraph.core.formula.floats import EQUAL, HOLD, MONOTONE, SNAP
from calcgraph.core.formula.queueing import MAX_SERVERS, TAIL
from calcgraph.core.units import display_unit, format_unit, ureg
from calcgraph.engine.solve.problem import INTEGER_BOUNDS, SCAN_POINTS
from calcgraph.render.page.groups import GROUPS, RESULTS, domain, idle_inputs, input_group, ordered_inputs
from calcgraph.render.page.javascript import constraint_data, formulas_script, solve_data
from calcgraph.render.text import display_scales
from calcgraph.render.values import finite, plain_symbol

SEQ_LENS = (1024, 2048, 4096, 8192, 16384, 32768)
BATCHES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
COUNTING = {"[chip]", "[sequence]", "[token]"}
_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


# The rules the page's engine shares with every other backend (snap and hold: core/formula/floats.py; the scan
# and integer bracket of a solve: engine/solve/problem.py; Erlang C: core/formula/queueing.py), written into its
# data rather than copied into its code.
RULES = {"snap": SNAP, "hold": HOLD, "monotone": MONOTONE, "equal": EQUAL, "scan_points": SCAN_POINTS,
         "integer_bounds": list(INTEGER_BOUNDS), "erlang_max_servers": MAX_SERVERS, "erlang_tail": list(TAIL)}


def _asset(name: str) -> str:
    return resources.files("calcgraph.render.page").joinpath("assets", name).read_text(encoding="utf-8")


def _unit_entry(unit) -> list:
    """[unit text, factor to base units] of a pint unit."""
    return [format_unit(unit), float(ureg.Quantity(1.0, unit).to_base_units().magnitude)]


def _ladder(quantity) -> list:
    """The display units ``display_unit`` picks from, smallest first (one entry: a fixed unit)."""
    scales = display_scales(quantity.unit, quantity.display)  # the declared unit first, then its scales
    return [[text, factor] for factor, text in scales[1:] or scales]


def is_integer_input(quantity, value: float) -> bool:
    """Integer inputs step by 1: a count (dimensionless or chips, sequences, tokens) with an integer value;
    a declared ``integer:`` wins, and dimensionless 1 is a fraction (an efficiency), not a count."""
    declared = getattr(quantity, "integer", None)
    if declared is not None:
        return bool(declared)
    if not math.isfinite(value) or not float(value / quantity.unit.factor).is_integer():
        return False
    dims = set(str(d) for d in quantity.unit.dim)
    return dims <= COUNTING if dims else value != 1


def slider_range(quantity, value: float, integer: bool) -> dict:
    """The slider of an input: ``min``/``max`` from YAML when present, else a range around its value."""
    low, high = getattr(quantity, "minimum", None), getattr(quantity, "maximum", None)
    if isinstance(low, int | float) and isinstance(high, int | float) and low < high:
        return {"min": float(low), "max": float(high), "log": bool(low > 0 and high / low > 100)}
    if not math.isfinite(value):
        return {"min": None, "max": None, "log": False}
    shown = value / quantity.unit.factor
    if shown == 0 or (not quantity.unit.dim and 0 < shown <= 1 and not integer):  # zero, or a fraction
        return {"min": 0.0, "max": quantity.unit.factor, "log": False}
    if shown < 0:
        return {"min": value * 2, "max": -value * 2, "log": False}
    return {"min": max(value / 32, quantity.unit.factor) if integer else value / 32, "max": value * 32, "log": True}


def _checks(model) -> list:
    """Feasibility checks: the graph's ``checks`` (when it has them) and each solve's constraints."""
    graph, unique = model.graph, {}
    solves = [(name, graph[name].solve) for name in graph.order if graph[name].solve is not None]
    found = [(c, f"{c.text} fails: {spec.for_name} is beyond {name} ({graph[name].doc})")
             for name, spec in solves if spec.for_name in model.scenario.bound for c in spec.constraints]
    for constraint, message in found + list(graph.checks):  # and the modules' declared checks, parsed at load
        unique.setdefault(constraint.text, (constraint, message))
    return list(unique.values())


def _check_data(graph, constraint, message: str) -> dict:
    data = {**constraint_data(graph, constraint), "message": message, "names": list(constraint.names),
            "where": str(constraint.where) if constraint.where else None}
    return {k: data[k] for k in ("text", "op", "message", "lhs", "rhs", "constants", "unit_of", "names", "shown",
                                 "where")}


def _figures(model) -> list:
    """The chapter's figures this graph can draw (every name they need is in it)."""
    graph, bound = model.graph, model.scenario.bound
    figures = [
        {"id": "throughput", "title": "Throughput per chip against step time, as batch varies",
         "kind": "lines", "x": "t_step", "y": "throughput_per_chip", "vary": "batch", "per": "seq_len"},
        {"id": "breakdown", "title": "Step time breakdown by batch (at the current sequence length)",
         "kind": "stacked", "vary": "batch", "parts": ["t_param_load", "t_flops", "t_kv_load"], "total": "t_step"},
        {"id": "cost", "title": "Cost per million tokens against step time, as batch varies",
         "kind": "lines", "x": "t_step", "y": "cost_per_million_tokens", "vary": "batch", "per": "seq_len"},
    ]
    usable = []
    for figure in figures:
        names = [figure.get(k) for k in ("x", "y", "total") if figure.get(k)] + figure.get("parts", [])
        inputs = [figure["vary"]] + ([figure["per"]] if "per" in figure else [])
        if all(n in graph for n in names) and all(n in bound and graph[n].is_input for n in inputs):
            figure.update(batches=list(BATCHES), lines=list(SEQ_LENS))
            usable.append(figure)
    return usable


def page_data(model) -> dict:
    """Everything the page shows and computes, as JSON-ready data (base units)."""
    graph, scenario = model.graph, model.scenario
    quantities, inputs = {}, []
    position = {name: i for i, name in enumerate(graph.order)}
    for name in graph.order:
        q = graph[name]
        kind = "input" if q.is_input else ("solve" if q.solve is not None else "formula")
        quantities[name] = {
            "kind": kind, "symbol": plain_symbol(q.symbol), "doc": q.doc, "source": q.source,
            "where": str(q.formula_where or q.default_where or q.where),
            "unit": format_unit(q.unit.pint_unit) or "dimensionless",
            "factor": q.unit.factor, "declared": _unit_entry(q.unit.pint_unit), "ladder": _ladder(q),
            "formula": q.formula.text if q.formula is not None else None,
            "names": list(q.formula.names) if q.formula is not None else [],
            "deps": sorted(graph.pred[name], key=position.__getitem__)}  # one look per edge, no networkx
    checks = _checks(model)
    report = [n for n in model.spec.report if n in graph]
    report += [n for n in ("t_step",) if n in graph and n not in report]  # the step time always in view
    roots = (report or list(graph.order)) + [n for n in RESULTS if n in graph] + [
        n for c, _ in checks for n in c.names]
    idle = idle_inputs(model, roots)
    for name in ordered_inputs(model, [n for n in graph.order if n in scenario.bound]):
        bound = scenario.bound[name]
        q, value = graph[name], float(bound.value)
        integer = is_integer_input(q, value)
        unit = display_unit(q.unit, value) if q.display is None else q.display.pint_unit
        inputs.append({"name": name, "value": finite(value), "unit": _unit_entry(unit), "integer": integer,
                       "pinned": bool(bound.pinned), "where": str(bound.where), "origin": bound.origin,
                       "text": bound.text, "group": input_group(model, name), "idle": name in idle,
                       "domain": domain(q), **{k: finite(v) if isinstance(v, float) else v
                                              for k, v in slider_range(q, value, integer).items()}})
    solves = {name: solve_data(graph, graph[name].solve, scenario.bound)[0] for name in graph.order
              if graph[name].solve is not None and name not in scenario.bound}
    return {"title": model.spec.title, "scenario": model.spec.path, "variant": scenario.variant,
            "order": list(graph.order), "quantities": quantities, "inputs": inputs,
            "report": report, "solves": solves, "groups": [list(g) for g in GROUPS],
            "checks": [_check_data(graph, c, m) for c, m in checks], "figures": _figures(model),
            "rules": RULES}


def _data_and_formulas(model) -> tuple[str, str]:
    data = json.dumps(page_data(model), ensure_ascii=True, allow_nan=False, separators=(",", ":")).translate(_ESCAPES)
    return data, formulas_script(model.graph, [c for c, _ in _checks(model)])


def engine_script(model) -> str:
    """The page's computing part alone (data, compiled formulas, evaluator): runs in node too."""
    data, formulas = _data_and_formulas(model)
    return "var CG_DATA = " + data + ";\n" + formulas + _asset("html_engine.js")


def render_page(model) -> str:
    """The whole HTML page (deterministic: the same scenario gives the same text)."""
    data, formulas = _data_and_formulas(model)
    pieces = {"TITLE": html.escape(model.spec.title), "CSS": _asset("html_page.css"), "DATA": data,
              "FORMULAS": formulas, "ENGINE": _asset("html_engine.js"), "FIGURES": _asset("html_figures.js"),
              "PAGE": _asset("html_page.js")}
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: pieces[m.group(1)], _asset("html_page.html"))
