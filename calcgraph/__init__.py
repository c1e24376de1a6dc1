"""calcgraph: a declarative calculation graph for sizing LLM serving.

Quantities are sympy formulas with pint units, defined in YAML, checked as a
networkx DAG, evaluated numerically or symbolically, solved backwards and
explained as traceable derivations.

Layers, each importing only those below it: ``errors`` -> ``core`` (YAML,
specs, expressions, units, graph, binding, evaluation) -> ``engine``
(evaluated states, solving, grids, best, closed forms, expectations) ->
``render`` (text, JSON, derivations, reports, plots) -> ``api`` (``Model``)
-> ``cli``.
"""

from . import errors
from .api import Model, load
from .engine.best import BestResult
from .engine.evaluated import Evaluated, NodeState
from .engine.solve import SolveResult
from .errors import CalcgraphError

__all__ = ["BestResult", "CalcgraphError", "Evaluated", "Model", "NodeState", "SolveResult", "errors", "load"]
__version__ = "0.1.0"
