"""A bound scenario -> the compiled graph cache entry of ``calcgraph sweep`` (plain JSON data and checked code).

The entry holds what a later sweep of the same files needs without sympy,
pint or networkx: the graph as generated numpy code (``engine.gridcode``),
the bound values it takes, each quantity's declared unit (its CSV header text
and factor), dependencies (which columns vary with which axis), the inputs an
axis may vary (unit factor and dimension), a table of unit texts with their
base factors, and the report list. The code is kept only if, on probe grids,
it reproduces the normal path's values and check sides bit for bit.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core.arraynumeric import block_overrides, build
from ..core.bind import Scenario
from ..core.codegen import Unsupported
from ..core.units import format_unit, needs_unit
from ..engine.checks import check_sides
from ..engine.grid import CHUNK, iter_blocks
from ..engine.gridcode import FUNCTIONS, GridCode, grid_code
from .compiled import _dim, _unit_entry

FORMAT = 1
PROBE_VALUES = 9  # values of each axis a probe grid keeps


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _probe(scenario: Scenario, code: GridCode, functions, axes: list, off=frozenset()) -> bool | None:
    """Whether the code gives every value (but those in ``off``, not computed) and check side of the normal
    path on the grid ``axes`` ([name, values]); None when either path cannot evaluate it (nothing compared)."""
    grid, checks = functions
    graph = scenario.graph
    names = list(code.names)
    try:
        normal = list(iter_blocks(scenario, [_Axis(n, v) for n, v in axes], names, CHUNK))
    except Exception:  # noqa: BLE001 - the normal path refuses this grid: nothing to compare
        return None
    position = {n: i for i, n in enumerate(code.arguments)}
    defaults = [scenario.bound[n].value for n in code.arguments]
    for (shape, views), expected in zip(block_overrides([v for _, v in axes], CHUNK), normal, strict=True):
        arguments = list(defaults)
        for (name, _), view in zip(axes, views, strict=True):
            arguments[position[name]] = view
        try:
            with np.errstate(all="ignore"):
                values = grid(*arguments, *[n not in off for n in code.computed])
            sides = checks(*[expected[n] for n in code.check_names])
        except Exception:  # noqa: BLE001 - the code refuses (a guess that does not verify): a Miss, not a fault
            return None
        for name, value in zip(names, values, strict=True):
            got = np.broadcast_to(np.asarray(value, float), shape).reshape(-1)
            if name not in off and not _same(got, expected[name]):
                return False
        for (constraint, _), (lhs, rhs) in zip(graph.checks, sides, strict=True):
            want = check_sides(constraint, expected)
            if not (_same(np.asarray(lhs, float), np.asarray(want[0], float))
                    and _same(np.asarray(rhs, float), np.asarray(want[1], float))):
                return False
    return True


class _Axis:
    """What ``iter_blocks`` reads of an axis."""

    def __init__(self, name: str, values) -> None:
        self.name, self.values = name, np.asarray(values, float)


def _code(scenario: Scenario, varied: list) -> dict | None:
    """The generated grid code, if it compiles and agrees with the normal path on the probe grids."""
    try:
        code = grid_code(scenario)
    except Unsupported:
        return None
    if any(not isinstance(scenario.bound[n].value, float) for n in code.arguments):
        return None
    functions = build(code.source, FUNCTIONS, {k: tuple(v) for k, v in code.ops.items()})
    probes = [[[n, np.asarray([scenario.bound[n].value])] for n, _ in varied]]
    if varied:
        probes.append([[n, v[np.unique(np.linspace(0, len(v) - 1, PROBE_VALUES).round().astype(int))]]
                       for n, v in varied])
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # the command's output is written: nothing more
        warnings.simplefilter("ignore")
        results = [_probe(scenario, code, functions, axes) for axes in probes if axes]
        if None in results and False not in results:  # a solve refused: the code may answer sweeps without it
            solves = [n for n in code.computed if scenario.graph[n].solve is not None]
            off = frozenset(solves).union(*(scenario.graph.downstream(n) for n in solves))
            results += [_probe(scenario, code, functions, axes, off) for axes in probes if axes]
    if False in results or True not in results:
        return None
    return {"source": code.source, "arguments": list(code.arguments),
            "defaults": [scenario.bound[n].value for n in code.arguments], "computed": list(code.computed),
            "ops": code.ops, "check_names": list(code.check_names), "check_ops": list(code.check_ops)}


def sweep_entry(scenario: Scenario, varied=(), unit_texts=()) -> dict:
    """The cache entry of ``sweep`` for the base scenario (no ``--set``).

    ``varied``: (name, base values) of the axes of the sweep that ran (the probe grid); ``unit_texts``:
    unit texts its ``--vary`` and ``--set`` used, added to the entry's unit table.
    """
    graph = scenario.graph
    names = list(graph.quantities)
    units = {}
    for name in names:
        for unit in (graph[name].unit, graph[name].display):
            if unit is not None:
                units[unit.text] = _unit_entry(unit.text)
    for text in unit_texts:
        units[text] = _unit_entry(text)
    axes = {n: {"factor": graph[n].unit.factor, "dim": _dim(graph[n].unit)}
            for n in names if n in scenario.bound and not graph.pred[n]}
    inputs = {n: {**axes[n], "needs_unit": needs_unit(graph[n].unit), "min": graph[n].minimum,
                  "max": graph[n].maximum, "min_strict": graph[n].min_strict, "max_strict": graph[n].max_strict}
              for n in axes if graph[n].is_input}  # what --set may give (read by cli.cached, as for eval)
    varied = [(n, np.asarray(v, float)) for n, v in varied if n in axes]
    return {
        "format": FORMAT, "names": names, "report": list(scenario.spec.report),
        "header": [format_unit(graph[n].unit.pint_unit) or "1" for n in names],
        "factors": [graph[n].unit.factor for n in names],
        "depends": {n: sorted(graph.pred[n]) for n in names if graph.pred[n]},
        "axes": axes, "inputs": inputs, "pins": {}, "units": {t: u for t, u in units.items() if u is not None},
        "check_names": [n for c, _ in graph.checks for n in c.names], "checked": bool(graph.checks),
        "complete": not scenario.missing, "code": _code(scenario, varied),
    }
