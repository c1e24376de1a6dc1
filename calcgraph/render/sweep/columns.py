"""Grids as CSV or Parquet: ``name [unit]`` headers, values in declared units, one pass over the grid.

A SweepRun walks the blocks of ``engine.grid`` once, counting the points without a value and those where a
declared check fails, and keeping the columns a plot needs; ``render.sweep.files`` writes the blocks.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from calcgraph.core.bind import Scenario
from calcgraph.core.names import suggest
from calcgraph.core.numbers import shortest_text
from calcgraph.core.units import format_unit
from calcgraph.engine.axes import Axis
from calcgraph.engine.checks import failed_mask
from calcgraph.engine.grid import CHUNK, iter_blocks
from calcgraph.errors import Argument, UnknownNameError
from calcgraph.render.sweep.files import python_text

CHECKS_COLUMN = "checks_failed"


def csv_header(graph, columns: list[str]) -> str:
    """``name [unit]`` for each column, in its declared unit; then ``checks_failed`` when the graph has checks.

    >>> import calcgraph
    >>> csv_header(calcgraph.load().graph, ["batch", "t_step", "layers"])
    'batch [seq],t_step [s],layers [1],checks_failed [1]'
    """
    head = ",".join(f"{name} [{format_unit(graph[name].unit.pint_unit) or '1'}]" for name in columns)
    return head + (f",{CHECKS_COLUMN} [1]" if getattr(graph, "checks", ()) else "")


def output_columns(scenario: Scenario, axes: list[Axis], only) -> list[str]:
    """The CSV columns: the varied inputs, then ``only`` (default: the report list, or every name)."""
    for name in only or ():
        if name not in scenario.graph:
            raise UnknownNameError(f"unknown quantity {name!r}", where=Argument("output", name),
                                   hint=suggest(name, scenario.graph.quantities), name=name)
    names = list(only or scenario.spec.report or scenario.graph.quantities)
    axis_names = [a.name for a in axes]
    return axis_names + [n for n in dict.fromkeys(names) if n not in axis_names]


def replaced_by_axes(settings, axis_names) -> list[str]:
    """Warnings for ``(name, where)`` settings that an axis of the sweep replaces at every point.

    >>> replaced_by_axes([("batch", "--set batch=5"), ("chips", "--set chips=8")], ["batch"])
    ['--set batch=5: --vary batch replaces this value at every point']
    """
    return [f"{where}: --vary {name} replaces this value at every point"
            for name, where in settings if name in axis_names]


def nan_warning(columns: list[str], counts: dict, empty: int, total: int) -> str | None:
    """The one warning line about points without a value, or None.

    >>> nan_warning(["a", "b"], {"a": 0, "b": 3}, 3, 10)
    'warning: 3 of 10 points have no value (division by zero or no solution): b'
    """
    if not empty:
        return None
    names = ", ".join(n for n in columns if counts.get(n))
    return f"warning: {empty:,} of {total:,} points have no value (division by zero or no solution): {names}"


class SweepRun:
    """One pass over the grid of ``scenario``: iterate it for CSV text per block; then read ``kept`` and ``warning``.

    ``columns`` are written (declared units); ``keep`` names are collected whole (base units) for plotting;
    NaN points of the non-varied columns are counted. ``arrays``: iterate ``{column: declared values}``.
    """

    def __init__(self, scenario: Scenario, axes: list[Axis], columns: list[str], keep=(),
                 chunk: int = CHUNK, progress: Callable[[int], None] | None = None, arrays: bool = False) -> None:
        graph = scenario.graph
        self.scenario, self.axes, self.columns, self.keep = scenario, axes, list(columns), list(keep)
        self.chunk, self.progress, self.arrays = chunk, progress, arrays
        self.factors = {c: graph[c].unit.factor for c in columns}
        self.checked = bool(graph.checks)  # a last column: how many declared checks fail at each point
        self.check_names = [n for c, _ in graph.checks for n in c.names]
        self.total = math.prod(len(a.values) for a in axes)
        self.kept: dict = {}
        self.warning: str | None = None
        self.infeasible = 0  # points where a declared check fails
        moved = [graph.downstream(a.name) for a in axes]  # one walk per axis: what each one moves
        axis_names = {a.name for a in axes}
        self.varying = {c for c in self.columns if c in axis_names or any(c in m for m in moved)}

    def walk(self):
        """Evaluate block after block, counting and keeping as it goes: yield (block, fails)."""
        axis_names = {a.name for a in self.axes}
        outputs = [c for c in self.columns if c not in axis_names]
        names = list(dict.fromkeys(self.columns + self.keep + self.check_names))
        kept: dict[str, list] = {n: [] for n in self.keep}
        counts = dict.fromkeys(outputs, 0)
        empty = done = 0
        graph = self.scenario.graph
        for block in iter_blocks(self.scenario, self.axes, names, self.chunk):
            size = len(block[names[0]])
            missing = np.zeros(size, dtype=bool)
            for name in outputs:
                values = block[name] if name in self.varying else block[name][:1]  # one value in every block
                if np.isnan(np.add.reduce(values)):  # no NaN: one pass, no temporary
                    isnan = np.isnan(values)
                    counts[name] += int(np.count_nonzero(isnan)) * (size // len(values))
                    missing |= isnan
            empty += int(np.count_nonzero(missing))
            fails = failed_mask(graph, block)[0] if self.checked else None
            self.infeasible += int(np.count_nonzero(fails)) if self.checked else 0
            for name in self.keep:
                kept[name].append(block[name])
            if self.checked and self.keep:
                kept.setdefault(CHECKS_COLUMN, []).append(fails)
            done += size
            if self.progress is not None:
                self.progress(done)
            yield block, fails
        self.kept = {n: np.concatenate(v) if v else np.empty(0) for n, v in kept.items()}
        self.warning = nan_warning(outputs, counts, empty, self.total)

    def declared(self, block: dict, name: str) -> np.ndarray:
        """The values of column ``name`` of ``block`` in its declared unit."""
        factor = self.factors[name]
        return block[name] if factor == 1.0 else block[name] / factor

    def cells(self, block: dict, fails) -> list:
        """A block's columns: ``shortest_text`` of the value of those that do not vary, else declared values."""
        cells = [self.declared(block, c) if c in self.varying else shortest_text(self.declared(block, c)[0])
                 for c in self.columns]
        return cells + ([np.asarray(fails, dtype=float)] if self.checked else [])

    def __iter__(self):
        for block, fails in self.walk():
            if self.arrays:
                arrays = {c: self.declared(block, c) for c in self.columns}
                if self.checked:
                    arrays[CHECKS_COLUMN] = np.asarray(fails, float)
                yield arrays
            else:
                yield python_text(self.cells(block, fails), len(block[self.columns[0]]))

    def run(self) -> SweepRun:
        """Evaluate without keeping any CSV text."""
        for _ in self.walk():
            pass
        return self
