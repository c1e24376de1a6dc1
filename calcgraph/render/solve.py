"""A solve's answer as terminal text or as the contract JSON (value, unit, method, closed form)."""

from __future__ import annotations

import json

from calcgraph.core.numbers import format_number
from calcgraph.core.units import format_unit
from calcgraph.engine.solve.scalar import SolveResult
from calcgraph.render.values import slack_text


def solve_text(result: SolveResult) -> str:
    """The answer, the binding constraint, each slack, the method and the closed form, for a terminal."""
    unit = format_unit(result.unit.pint_unit)
    question = " and ".join(c.text for c in result.constraints)
    number = f"{int(result.shown):d}" if result.integer and abs(result.shown) < 2 ** 53 else \
        format_number(result.shown, 8)
    lines = [f"{result.direction} {result.for_name} with {question}: {number} {unit}".rstrip()]
    if result.binding_text:
        lines.append(f"  binding: {result.binding_text}")
    lines += [f"  slack at the answer: {slack_text(s)}   [{s.constraint.text}]" for s in result.slacks]
    low, high = result.bracket
    lines.append(f"  method: {result.method}; {result.evaluations} evaluations ({result.points} points) in "
                 f"[{format_number(low)}, {format_number(high)}] {unit}".rstrip())
    if result.closed_form is not None:
        lines.append(f"  closed form: {result.closed_form}")
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def solve_json(result: SolveResult) -> str:
    """The contract JSON: value, unit, method and, where one exists, the closed form."""
    return json.dumps({
        "for": result.for_name, "value": result.shown,
        "unit": format_unit(result.unit.pint_unit) or "dimensionless",
        "direction": result.direction, "method": "numeric", "search": result.method,
        "binding": result.binding_text, "constraints": [c.text for c in result.constraints],
        "evaluations": result.evaluations, "points": result.points,
        "bracket": list(result.bracket), "slack": {s.constraint.text: slack_text(s) for s in result.slacks},
        "closed_form": None if result.closed_form is None else str(result.closed_form)}, indent=2)
