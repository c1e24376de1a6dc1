"""A sweep's output: whole columns as exact CSV text (``csvtext``), the walk of grid blocks (``blocks``),
the files written while it runs (``files``, ``polars_csv``) and the column headers (``columns``).
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "SweepRun": "calcgraph.render.sweep.columns",
})
