"""``calcgraph table``: one column per variant, one row per reported quantity (Markdown)."""

from __future__ import annotations

from ..core.numbers import format_number
from ..core.units import format_unit, to_unit
from ..engine.evaluated import Evaluated, rebind


def render_table(ev: Evaluated, only=None) -> str:
    """A Markdown comparison of the scenario's variants (or of the scenario alone).

    Each row uses one display unit, chosen from the first column, so figures compare.

    >>> import calcgraph
    >>> render_table(calcgraph.load().evaluated, only=["min_chips"]).splitlines()[2]
    '| min_chips | chip | 8 |'
    """
    variants = list(ev.spec.variants) or [None]
    models = [rebind(ev, v) if v is not None else ev for v in variants]
    names = list(only or ev.spec.report or ev.names())
    header = "| quantity | unit | " + " | ".join(v or ev.spec.title for v in variants) + " |"
    lines = [header, "|---|---|" + "---:|" * len(variants)]
    for name in names:
        unit = models[0].display_unit(name)
        cells = [format_number(float(to_unit(m.values[name], unit))) for m in models]
        lines.append(f"| {name} | {format_unit(unit)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
