"""Formula text parsed once into a light tree (``parse``, ``whitelist``), and its backends: ``pysource`` (Python,
numpy in ``evaluate``, JavaScript in ``render.page.javascript``), ``to_sympy``/``from_sympy``, ``dimensions``."""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "Formula": "calcgraph.core.formula.parse",
    "parse_formula": "calcgraph.core.formula.parse",
    "parse_comparison": "calcgraph.core.formula.parse",
})
