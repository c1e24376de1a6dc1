"""What is computed from a bound scenario: evaluated states, solves, grids, best candidates, closed forms.

What it offers, loaded on first use (PEP 562: importing the package costs nothing; a function named
as its module, such as ``bind``, is imported from that module):
``evaluate_scenario`` (evaluated), ``Evaluated`` (evaluated), ``NodeState`` (evaluated),
``NodeSolver`` (solve_nodes), ``solve_for`` (inverse), ``SolveResult`` (solve), ``find_best``
(best), ``BestResult`` (best), ``Evaluator`` (fast), ``evaluate_grid`` (grid), ``parse_axes``
(axes), ``verify_scenario`` (expect)
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "evaluate_scenario": ".evaluated",
    "Evaluated": ".evaluated",
    "NodeState": ".evaluated",
    "NodeSolver": ".solve_nodes",
    "solve_for": ".inverse",
    "SolveResult": ".solve",
    "find_best": ".best",
    "BestResult": ".best",
    "Evaluator": ".fast",
    "evaluate_grid": ".grid",
    "parse_axes": ".axes",
    "verify_scenario": ".expect",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    """Import ``name`` from its module on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
