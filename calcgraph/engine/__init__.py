"""What is computed from a bound scenario: evaluated states, the one solver, grids, best candidates.
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "evaluate_scenario": "calcgraph.engine.evaluated",
    "Evaluated": "calcgraph.engine.evaluated",
    "NodeState": "calcgraph.engine.evaluated",
    "NodeSolver": "calcgraph.engine.solve.nodes",
    "solve_for": "calcgraph.engine.solve.inverse",
    "SolveResult": "calcgraph.engine.solve.scalar",
    "find_best": "calcgraph.engine.best",
    "BestResult": "calcgraph.engine.best",
    "Evaluator": "calcgraph.engine.fast",
    "evaluate_grid": "calcgraph.engine.grid",
    "parse_axes": "calcgraph.engine.axes",
    "verify_scenario": "calcgraph.engine.expect",
})
