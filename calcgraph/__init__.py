"""calcgraph: a declarative calculation graph for sizing LLM serving.

Quantities are sympy formulas with pint units, defined in YAML, checked as a
networkx DAG, evaluated numerically or symbolically, solved backwards and
explained as traceable derivations.
"""

from .api import Model, load
from .errors import CalcgraphError

__all__ = ["CalcgraphError", "Model", "load"]
__version__ = "0.1.0"
