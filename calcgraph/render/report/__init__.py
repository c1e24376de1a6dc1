"""``calcgraph report``: the Markdown derivation (``document``) and its sections.
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "render_report": "calcgraph.render.report.document",
})
