"""The report's sensitivity: elasticities d ln y / d ln x of the headline quantities (engine/symbolic.py)."""

from __future__ import annotations

import math
import re

from calcgraph.engine.symbolic import KINK, NUMERIC, ROUNDING, SOLVED, elasticities
from calcgraph.render.report.sections import is_pinned


def _code_names(text: str) -> str:
    """Names and expressions of a note in code spans: ``max(a, b) on its active branch b``."""
    text = re.sub(r"^((?:max|min|ceil|floor|ceil_to)\(.*\))( on its active branch | treated as its argument)",
                  lambda m: f"`{m.group(1)}`{m.group(2)}", text)
    text = re.sub(r"(active branch )(\S+)", r"\1`\2`", text)
    return re.sub(r"(solved for )(\w+)(, binding constraint )(.*?)(;|$)", r"\1`\2`\3`\4`\5", text)


def elasticity_text(value: float) -> str:
    """An elasticity for the table: ``+1``, ``-0.38``, ``0``; empty when there is no dependence.

    >>> elasticity_text(1.0000000002), elasticity_text(-0.3803), elasticity_text(-1e-17), elasticity_text(None)
    ('+1', '-0.38', '0', '')
    """
    if value is None:
        return ""
    if not math.isfinite(value):  # undefined (y = 0) or infinite
        return "n/a"
    if abs(value) < 5e-3:
        return "0"
    if abs(value - round(value)) < 5e-3:
        return f"{round(value):+d}"
    return f"{value:+.2f}"


def _columns(ev, headline) -> list[str]:
    return [n for n in headline if not ev.graph[n].is_input and not is_pinned(ev, n)]


def top_drivers(ev, headline, count: int = 3) -> list[str]:
    """Rows of the largest ``count`` elasticities of each headline quantity: what moves it most."""
    order = list(ev.graph.quantities)
    out = []
    for name in _columns(ev, headline):
        found = [(x, v) for x, v in elasticities(ev, name).values if elasticity_text(v) not in ("", "0", "n/a")]
        found.sort(key=lambda item: (-round(abs(item[1]), 2), order.index(item[0])))
        if found:
            drivers = ", ".join(f"`{x}` {elasticity_text(v).replace('-', '−')}" for x, v in found[:count])
            out.append(f"| `{name}` | {drivers} |")
    if not out:
        return []
    return ["The inputs that move each headline figure most: the elasticity $\\partial \\ln y / \\partial \\ln x$ "
            "is the percent change of the figure for a one percent change of the input, at this scenario's "
            "values (max and min on their active branch, ceil and floor as their argument). "
            "`calcgraph report --full` prints the whole matrix.", "",
            "| figure | top drivers (elasticity) |", "|---|---|"] + out + [""]


_HOW = {KINK: "A max or min is differentiated on the branch that is active at these values",
        ROUNDING: "Ceil and floor are differentiated as their argument: a step function's derivative is zero "
                  "almost everywhere, and its argument says how the unrounded requirement moves",
        SOLVED: "A solved quantity is differentiated implicitly through its binding constraint",
        NUMERIC: "A closed form past the symbolic budget is differentiated numerically (central differences "
                 "through the graph)"}


def _cell(value, largest: float) -> str:
    """An elasticity for the matrix, in bold when it is the largest of its column."""
    text = elasticity_text(value)
    return f"**{text}**" if text not in ("", "0") and abs(abs(value) - largest) < 5e-3 else text


def sensitivity_table(ev, headline) -> list[str]:
    """The Markdown lines of the elasticity table of the ``headline`` quantities, with how each was taken."""
    columns = _columns(ev, headline)
    if not columns:
        return []
    found = {n: elasticities(ev, n) for n in columns}
    used = {x for e in found.values() for x, v in e.values if elasticity_text(v) not in ("", "0")}
    out = ["Each cell is the elasticity $\\partial \\ln y / \\partial \\ln x$ of the column's quantity $y$ "
           "with respect to the row's input $x$ at this scenario's values: the percent change of $y$ for "
           "a one percent change of $x$. Blank: no dependence; 0: a dependence that cancels at this point. "
           "The largest effect in each column is in bold.",
           "", "| input | " + " | ".join(f"`{c}`" for c in columns) + " |",
           "|---|" + "---:|" * len(columns)]
    largest = {c: max((abs(v) for _, v in found[c].values if math.isfinite(v)), default=0.0) for c in columns}
    for row in (n for n in ev.graph.quantities if n in used):
        cells = [_cell(dict(found[c].values).get(row), largest[c]) for c in columns]
        out.append(f"| `{row}` | " + " | ".join(cells) + " |")
    notes: dict = {}
    for c in columns:
        for kind, text in found[c].notes:
            notes.setdefault((kind, text), []).append(c)
    if notes:
        out += ["", "How the derivatives were taken:", ""]
    for kind, how in _HOW.items():
        items = [(text, cols) for (k, text), cols in notes.items() if k == kind]
        out += [f"- {how}:"] if items else []
        for text, cols in items:
            name, _, detail = text.partition(": ")
            out.append(f"    - in `{name}`, {_code_names(detail)} (columns {', '.join(f'`{c}`' for c in cols)})")
    return out + [""]
