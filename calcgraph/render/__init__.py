"""Evaluated scenarios as text: tables, JSON, derivations, reports, the page, sweep files, plots.
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "eval_table": "calcgraph.render.text",
    "eval_json": "calcgraph.render.text",
    "symbolic_table": "calcgraph.render.text",
    "render_report": "calcgraph.render.report.document",
    "render_page": "calcgraph.render.page.html",
    "explain_text": "calcgraph.render.explain",
    "graph_text": "calcgraph.render.diagram",
    "render_table": "calcgraph.render.table",
    "SweepRun": "calcgraph.render.sweep.columns",
})
