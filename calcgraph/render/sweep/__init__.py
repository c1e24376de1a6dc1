"""A sweep's output: the pass over the grid and its headers (``columns``), the files it writes (``files``)."""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "SweepRun": "calcgraph.render.sweep.columns",
})
