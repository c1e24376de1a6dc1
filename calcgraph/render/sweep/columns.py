"""Grids as CSV or Parquet: ``name [unit]`` headers, values in declared units, whole columns formatted at once.

A SweepRun walks the grid once (engine.grid) with the writer of
``render.sweep.blocks``.
"""

from __future__ import annotations

from collections.abc import Callable

from calcgraph.core.bind import Scenario
from calcgraph.core.names import suggest
from calcgraph.core.units import format_unit
from calcgraph.engine.axes import Axis
from calcgraph.engine.checks import failed_mask
from calcgraph.engine.grid import CHUNK, iter_blocks
from calcgraph.errors import Argument, UnknownNameError
from calcgraph.render.sweep.blocks import CHECKS_COLUMN, CSV_FORMAT, GridRun, TextTable, _cells, nan_warning
from calcgraph.render.sweep.files import parquet_bytes, write_parquet

__all__ = ["CHECKS_COLUMN", "CSV_FORMAT", "SweepRun", "TextTable", "_cells", "csv_header", "nan_warning",
           "output_columns", "parquet_bytes", "write_parquet"]


def csv_header(graph, columns: list[str]) -> str:
    """``name [unit]`` for each column, in its declared unit; then ``checks_failed`` when the graph has checks.

    >>> import calcgraph
    >>> csv_header(calcgraph.load().graph, ["batch", "t_step", "layers"])
    'batch [seq],t_step [s],layers [1],checks_failed [1]'
    """
    head = ",".join(f"{name} [{format_unit(graph[name].unit.pint_unit) or '1'}]" for name in columns)
    return head + (f",{CHECKS_COLUMN} [1]" if getattr(graph, "checks", ()) else "")



def check_names(graph, names, kind: str = "output") -> None:
    """UnknownNameError for the first of ``names`` the graph does not have."""
    for name in names:
        if name not in graph:
            raise UnknownNameError(f"unknown quantity {name!r}", where=Argument(kind, name),
                                   hint=suggest(name, graph.quantities), name=name)



def output_columns(scenario: Scenario, axes: list[Axis], only) -> list[str]:
    """The CSV columns: the varied inputs, then ``only`` (default: the report list, or every name)."""
    if only:
        check_names(scenario.graph, only)
    names = list(only or scenario.spec.report or scenario.graph.quantities)
    axis_names = [a.name for a in axes]
    return axis_names + [n for n in dict.fromkeys(names) if n not in axis_names]



class SweepRun(GridRun):
    """One pass over the grid of ``scenario``: iterate it for CSV text per block; then read ``kept`` and ``warning``.

    ``columns`` are written (declared units); ``keep`` names are collected whole
    (base units) for plotting; NaN points of the non-varied columns are counted.
    """

    def __init__(self, scenario: Scenario, axes: list[Axis], columns: list[str], keep=(), csv: bool = True,
                 chunk: int = CHUNK, progress: Callable[[int], None] | None = None, arrays: bool = False) -> None:
        graph = scenario.graph
        self.scenario, self.axes = scenario, axes
        super().__init__(lambda names: iter_blocks(scenario, axes, names, chunk), [len(a.values) for a in axes],
                         [a.name for a in axes], columns, {c: graph[c].unit.factor for c in columns},
                         graph.downstream, (lambda block: failed_mask(graph, block)[0]) if graph.checks else None,
                         [n for c, _ in graph.checks for n in c.names], keep=keep, csv=csv, chunk=chunk,
                         progress=progress, arrays=arrays)
