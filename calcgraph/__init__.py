"""calcgraph: a declarative calculation graph for sizing LLM serving.

Quantities are sympy formulas with pint units, defined in YAML, checked as a networkx DAG, evaluated,
solved backwards and explained. Layers, each importing only those below it: ``errors`` -> ``core`` ->
``engine`` -> ``render`` -> ``api`` (``Model``) -> ``cli``. The public names load on first use.
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
