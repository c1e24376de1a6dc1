"""The pipeline's lower half: YAML -> specs -> checked graph -> bound scenario -> values.

What it offers, loaded on first use (PEP 562: importing the package costs nothing; a function named
as its module, such as ``bind``, is imported from that module):
``load_spec`` (spec), ``ScenarioSpec`` (spec), ``SetEntry`` (spec), ``build_graph`` (graph),
``Graph`` (graph), ``Quantity`` (quantity), ``Scenario`` (bind), ``parse_set_arg``
(bind), ``parse_formula`` (expr), ``parse_comparison`` (expr), ``Formula`` (expr), ``parse_unit``
(units), ``Unit`` (units), ``ureg`` (units), ``check_files`` (check)
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "load_spec": ".spec",
    "ScenarioSpec": ".spec",
    "SetEntry": ".spec",
    "build_graph": ".graph",
    "Graph": ".graph",
    "Quantity": ".quantity",
    "Scenario": ".bind",
    "parse_set_arg": ".bind",
    "parse_formula": ".expr",
    "parse_comparison": ".expr",
    "Formula": ".expr",
    "parse_unit": ".units",
    "Unit": ".units",
    "ureg": ".units",
    "check_files": ".check",
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
