"""The one solver: one specification (``problem``: bracket, integer rule, verification) used by
scalar solves (``scalar``), solve nodes (``nodes``), grids (``grid``), ``solve_for`` (``inverse``)
and closed forms of the answers (``closed_form``).
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "solve_for": "calcgraph.engine.solve.inverse",
    "SolveResult": "calcgraph.engine.solve.scalar",
    "NodeSolver": "calcgraph.engine.solve.nodes",
    "Problem": "calcgraph.engine.solve.problem",
})
