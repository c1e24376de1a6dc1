"""The report's Checks section: each declared feasibility check, pass or fail, with both sides."""

from __future__ import annotations


def checks_section(ev) -> list[str]:
    """Markdown lines of the Checks section (empty when the modules declare no check).

    >>> import calcgraph
    >>> checks_section(calcgraph.load().evaluated)[0]
    '## Checks'
    """
    if not ev.checks:
        return []
    failed = len(ev.failed_checks)
    lines = ["## Checks", "",
             f"{len(ev.checks) - failed} of {len(ev.checks)} feasibility checks hold"
             + (f"; **{failed} fail**." if failed else "."), "",
             "| check | values | result | meaning when it fails |", "|---|---|---|---|"]
    for check in ev.checks:
        result = "pass" if check.holds else "**FAIL**"
        lines.append(f"| `{check.text}` | {check.sides()} | {result} | {check.message} |")
    return lines + [""]
