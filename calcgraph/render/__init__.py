"""Evaluated scenarios as text: tables, JSON, derivations, reports, diagrams, plots.

What it offers, loaded on first use (PEP 562: importing the package costs nothing):
``eval_table`` (text), ``eval_json`` (text), ``symbolic_table`` (text), ``render_report`` (report),
``render_page`` (html), ``explain_text`` (explain), ``graph_text`` (diagram), ``render_table``
(table), ``SweepRun`` (csv)
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "eval_table": ".text",
    "eval_json": ".text",
    "symbolic_table": ".text",
    "render_report": ".report",
    "render_page": ".html",
    "explain_text": ".explain",
    "graph_text": ".diagram",
    "render_table": ".table",
    "SweepRun": ".csv",
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
