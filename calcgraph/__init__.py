"""calcgraph: a declarative calculation graph for sizing LLM serving.

Quantities are sympy formulas with pint units, defined in YAML, checked as a
networkx DAG, evaluated numerically or symbolically, solved backwards and
explained as traceable derivations.

Layers, each importing only those below it: ``errors`` -> ``core`` (YAML,
specs, formulas, units, graph, binding, evaluation) -> ``engine``
(evaluated states, the solver, grids, best, expectations) ->
``render`` (text, JSON, reports, the page, sweep files, plots) -> ``api`` (``Model``)
-> ``cli``. The public names load lazily: ``import calcgraph`` is cheap, and
sympy, pint and networkx load on first use of ``calcgraph.load`` or ``Model``.
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "BestResult": "calcgraph.engine.best",
    "CalcgraphError": "calcgraph.errors",
    "Evaluated": "calcgraph.engine.evaluated",
    "Model": "calcgraph.api",
    "NodeState": "calcgraph.engine.evaluated",
    "SolveResult": "calcgraph.engine.solve.scalar",
    "errors": "calcgraph.errors",
    "load": "calcgraph.api",
})
