"""The ``expect:`` comparison as a Markdown table."""

from __future__ import annotations

from calcgraph.core.numbers import format_number
from calcgraph.engine.expect import ExpectRow


def render_rows(rows: list[ExpectRow]) -> str:
    """A Markdown table of the comparison."""
    lines = ["| quantity | variant | printed | computed | difference | verdict | reason |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        verdict = row.verdict if row.ok else f"**{row.verdict} (unexplained)**"
        if not row.exact_ok:
            verdict = f"**exact value missed** ({row.verdict})"
        elif row.verdict == "differs" and row.reason:
            verdict = "differs (explained)"
        lines.append(f"| {row.name} | {row.variant or ''} | {row.printed} | "
                     f"{format_number(row.computed)} {row.unit} | {100 * row.difference:.2f}% | "
                     f"{verdict} | {row.reason or ''} |")
    return "\n".join(lines) + "\n"

