"""The ``expect:`` comparison as a Markdown table: ``calcgraph verify`` and the report's last section."""

from __future__ import annotations

from calcgraph.core.numbers import format_number
from calcgraph.engine.expect import ExpectRow
from calcgraph.render.latex import number_unit_text
from calcgraph.render.mdtext import md_text


def _verdict(row: ExpectRow) -> str:
    if not row.exact_ok:
        return f"**exact value missed** ({row.verdict})"
    if row.verdict == "differs":
        return "differs (explained)" if row.reason else "**differs (unexplained)**"
    return row.verdict


def render_rows(rows: list[ExpectRow], name=lambda n: f"`{n}`", variants: bool = True) -> str:
    """A Markdown table of the comparison; ``name(quantity)`` is its first cell, ``variants`` adds a column."""
    head = ["quantity"] + ["variant"] * variants + ["printed", "computed", "difference", "verdict", "why"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---|" * variants + "---:|---:|---:|---|---|"]
    for row in rows:
        cells = [name(row.name)] + [md_text(row.variant or "")] * variants + [
            md_text(row.printed), number_unit_text(format_number(row.computed), row.unit),
            "0" if row.difference == 0 else f"{100 * row.difference:.3g} %", _verdict(row), md_text(row.reason or "")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
