"""The one formula form: text parsed once into a light tree (``parse``, under ``whitelist``), and its
backends: Python floats (``pysource`` + ``floats``), numpy (``evaluate.NUMPY``, ``arrays``), sympy (``to_sympy``,
``from_sympy``), its dimension (``dimensions``) and ``erlang_c`` (``queueing``).
The page's JavaScript backend is ``render.page.javascript``.
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "Formula": "calcgraph.core.formula.parse",
    "parse_formula": "calcgraph.core.formula.parse",
    "parse_comparison": "calcgraph.core.formula.parse",
})
