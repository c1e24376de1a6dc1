"""An evaluated scenario -> the compiled graph cache entry of ``calcgraph eval`` (plain JSON data).

The entry holds what a later ``eval`` of the same files needs without sympy,
pint or networkx: the graph as generated float code (``engine.graphcode``),
the bound values it takes, and the display data of every row (plain symbol,
display scales, declared unit and factor, where each value was set, shown as
in the working directory it was built in), the declared checks (message, text,
operator, where, display scales), what may be set on the command line (unit
factor, dimension, domain) and a table of unit texts with their base factors.
Every string in it is data read by ``cli.cached``; the only code is the
generated source, which that reader also checks node by node before compiling.
"""

from __future__ import annotations

import math
import os

from ..core.codegen import Unsupported
from ..core.numeric import build, numpy_helpers
from ..core.units import needs_unit, parse_unit
from ..engine.evaluated import Evaluated
from ..engine.graphcode import FUNCTION, graph_code
from .evalfmt import place
from .text import eval_title, quantity_scales, scales
from .values import plain_symbol

NEGATION = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!="}
FORMAT = 1


def _dim(unit) -> str:
    """A dimension as a stable key: ``[information]:1,[token]:-1``."""
    return ",".join(f"{k}:{v:g}" for k, v in sorted(dict(unit.dim).items()))


def _unit_entry(text: str) -> list | None:
    try:
        unit = parse_unit(text)
    except Exception:  # noqa: BLE001 - a unit text pint refuses is simply not cached
        return None
    return [unit.factor, _dim(unit)]


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _code(ev: Evaluated, values: list) -> dict | None:
    """The generated graph function, if it compiles and reproduces every value and check side of ``ev``."""
    scenario = ev.scenario
    try:
        code = graph_code(scenario)
    except Unsupported:
        return None
    function = build(code.source, FUNCTION, {**numpy_helpers(), **{k: tuple(v) for k, v in code.ops.items()}})
    defaults = [float(scenario.bound[n].value) for n in code.arguments]
    try:
        got, sides = function(*defaults, *[math.nan] * len(code.pinnable))
    except Exception:  # noqa: BLE001 - refused (a division by zero, an unverified solve): values only
        return None
    expected = [(float(r.lhs), float(r.rhs)) for r in ev.checks]
    if not (all(map(_same, got, values)) and len(sides) == len(expected)
            and all(_same(a, c) and _same(b, d) for (a, b), (c, d) in zip(sides, expected, strict=True))):
        return None
    return {"source": code.source, "arguments": list(code.arguments), "defaults": defaults, "ops": code.ops,
            "pinnable": list(code.pinnable), "guard": list(code.guard)}


def eval_entry(ev: Evaluated, unit_texts=()) -> dict:
    """The cache entry of ``eval`` for the evaluated base scenario ``ev`` (no ``--set``).

    ``unit_texts``: unit texts a command line used, added to the entry's unit table.
    """
    graph, scenario = ev.graph, ev.scenario
    names = list(graph.quantities)
    values = [float(ev.values[n]) for n in names]
    checks = []
    for result in ev.checks:
        c = result.constraint
        checks.append({"message": result.message, "text": c.text, "op": c.op, "negation": NEGATION.get(c.op, "fails"),
                       "where": str(c.where), "scales": scales(c.unit), "lhs": result.lhs, "rhs": result.rhs})
    inputs, pins, units = {}, {}, {}
    for name in names:
        quantity = graph[name]
        for unit in (quantity.unit, quantity.display):
            if unit is not None:
                units[unit.text] = [unit.factor, _dim(unit)]
        setting = {"factor": quantity.unit.factor, "dim": _dim(quantity.unit), "needs_unit": needs_unit(quantity.unit)}
        if quantity.is_input:
            inputs[name] = {**setting, "min": quantity.minimum, "max": quantity.maximum,
                            "min_strict": quantity.min_strict, "max_strict": quantity.max_strict}
        elif name not in scenario.bound:
            pins[name] = setting
    for text in unit_texts:
        entry = _unit_entry(text)
        if entry is not None:
            units[text] = entry
    return {
        "format": FORMAT, "cwd": os.getcwd(), "title": eval_title(ev), "path": ev.spec.path,
        "variant": scenario.variant, "names": names, "report": list(ev.spec.report),
        "symbols": [plain_symbol(graph[n].symbol) for n in names],
        "scales": [quantity_scales(ev, n) for n in names],
        "declared": [[graph[n].unit.factor, str(graph[n].unit) or "dimensionless"] for n in names],
        "bound": {n: [b.origin, place(b.where), b.pinned] for n, b in scenario.bound.items()},
        "solves": [n for n in names if graph[n].solve is not None],
        "depends": {n: sorted(graph.pred[n]) for n in names if not graph[n].is_input},
        "order": [n for n in graph.order if n not in scenario.bound],
        "values": values, "checks": checks, "inputs": inputs, "pins": pins, "units": units,
        "code": _code(ev, values), "complete": not scenario.missing and all(math.isfinite(v) or v != v for v in values),
    }
