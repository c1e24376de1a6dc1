"""``calcgraph html``: one self-contained page (``html``), its JavaScript formulas (``javascript``),
its input groups (``groups``) and its static assets.
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "render_page": "calcgraph.render.page.html",
})
