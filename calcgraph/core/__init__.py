"""The pipeline's lower half: YAML -> specs -> checked graph -> bound scenario -> values.
Subpackages: ``spec`` (what the YAML files say), ``formula`` (the one formula form and its backends)."""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "load_spec": "calcgraph.core.spec.load",
    "ScenarioSpec": "calcgraph.core.spec.load",
    "SetEntry": "calcgraph.core.spec.load",
    "build_graph": "calcgraph.core.graph",
    "Graph": "calcgraph.core.graph",
    "Quantity": "calcgraph.core.quantity",
    "Scenario": "calcgraph.core.bind",
    "parse_set_arg": "calcgraph.core.bind",
    "parse_formula": "calcgraph.core.formula.parse",
    "parse_comparison": "calcgraph.core.formula.parse",
    "Formula": "calcgraph.core.formula.parse",
    "parse_unit": "calcgraph.core.units",
    "Unit": "calcgraph.core.units",
    "ureg": "calcgraph.core.units",
    "check_files": "calcgraph.core.check",
})
