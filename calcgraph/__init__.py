"""calcgraph: a declarative calculation graph for sizing LLM serving.

Quantities are sympy formulas with pint units, defined in YAML, checked as a
networkx DAG, evaluated numerically or symbolically, solved backwards and
explained as traceable derivations.

Layers, each importing only those below it: ``errors`` -> ``core`` (YAML,
specs, expressions, units, graph, binding, evaluation) -> ``engine``
(evaluated states, solving, grids, best, closed forms, expectations) ->
``render`` (text, JSON, derivations, reports, plots) -> ``api`` (``Model``)
-> ``cli``.

The public names load lazily (PEP 562): ``import calcgraph`` is cheap, and
sympy, pint and networkx load on first use of ``calcgraph.load`` or ``Model``.
"""

from __future__ import annotations

import importlib

from .core.version import VERSION as __version__  # noqa: F401 - the package version

_PUBLIC = {"BestResult": ".engine.best", "CalcgraphError": ".errors", "Evaluated": ".engine.evaluated",
           "Model": ".api", "NodeState": ".engine.evaluated", "SolveResult": ".engine.solve",
           "errors": None, "load": ".api"}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    """Import a public name on first use (``calcgraph.load`` loads the API and its libraries)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'calcgraph' has no attribute {name!r}")
    where = _PUBLIC[name]
    value = importlib.import_module(f".{name}" if where is None else where, __name__)
    if where is not None:
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
