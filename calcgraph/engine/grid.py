"""Grids of inputs: the whole graph on numpy arrays, in blocks of about ``CHUNK`` points that broadcast along the
axes (what depends on one axis only is computed once per value of it), the first axis slowest as in a flattened
``numpy.meshgrid(..., indexing="ij")``."""

from __future__ import annotations

import math

import numpy as np

from calcgraph.core.bind import Scenario
from calcgraph.core.evaluate import evaluate
from calcgraph.core.formula.arrays import CHUNK, block_overrides
from calcgraph.engine.axes import Axis
from calcgraph.engine.solve.nodes import NodeSolver


def iter_blocks(scenario: Scenario, axes: list[Axis], names: list[str], chunk: int = CHUNK,
                solver: NodeSolver | None = None):
    """Yield ``{name: flat array}`` (base units) for consecutive blocks of grid points; a constant as a
    read-only view (nothing copied per block)."""
    solver = solver if solver is not None else NodeSolver(scenario)
    for block, views in block_overrides([a.values for a in axes], chunk):
        overrides = {axis.name: view for axis, view in zip(axes, views, strict=True)}
        env = evaluate(scenario, overrides=overrides, names=names, solver=solver)
        size = math.prod(block)
        yield {name: np.broadcast_to(np.float64(env[name]), (size,)) if np.ndim(env[name]) == 0
               else np.broadcast_to(np.asarray(env[name], dtype=float), block).reshape(-1) for name in names}


def evaluate_grid(scenario: Scenario, axes: list[Axis], names: list[str], chunk: int = CHUNK,
                  solver: NodeSolver | None = None) -> dict:
    """Every name over the whole grid: ``{name: flat array in base units}``.

    >>> import calcgraph
    >>> model = calcgraph.load()
    >>> from calcgraph.engine.axes import parse_axes
    >>> grid = evaluate_grid(model.scenario, parse_axes(["batch=32,64"], model.graph), ["batch", "t_step"])
    >>> round(float(grid["t_step"][0]) * 1000, 2)
    17.43
    """
    names = list(dict.fromkeys(names))
    blocks = list(iter_blocks(scenario, axes, names, chunk, solver))
    return {name: np.concatenate([b[name] for b in blocks]) if blocks else np.empty(0) for name in names}
