"""Values -> text: the eval table, the JSON document, plain symbols, atomic file writes."""

from __future__ import annotations

import json
import re

from ..core.numbers import format_number
from ..core.units import format_unit, to_unit


def plain_symbol(latex: str) -> str:
    r"""A LaTeX symbol as terminal text: ``B_{\text{crit}}`` -> ``B_crit``."""
    text = re.sub(r"\\(?:mathrm|text|mathit|operatorname|mathbf)\{([^{}]*)\}", r"\1", latex)
    text = text.replace(r"\_", "_").replace("\\", "")
    text = re.sub(r"[{}]", "", text)
    return text.replace(" ", "")


def origin_mark(model, name: str) -> str:
    """How a value came to be: 'default: where', 'set: where', 'pinned: where', 'solved', 'unknown: ...' or ''."""
    bound = model.scenario.bound.get(name)
    quantity = model.graph[name]
    value = model.raw[name]
    if value != value and quantity.solve is None:
        if bound is not None and not bound.pinned:
            return f"unknown: give it with --set {name}=... ({bound.where})"
        missing = [n for n in model.graph.inputs_of(name) if model.raw[n] != model.raw[n]]
        return "unknown: needs " + ", ".join(missing)
    if bound is None:
        if quantity.solve is None:
            return ""
        return "solved" if value == value else "solved: no value satisfies the constraints"
    if bound.pinned:
        return f"pinned: {bound.where}"
    if bound.origin == "default":
        return f"default: {bound.where}"
    return f"{bound.origin}: {bound.where}" if bound.origin != "scenario" else f"set: {bound.where}"


def shown(model, name: str, digits: int = 5) -> tuple[str, str]:
    """(number, unit) of ``name`` in its display unit."""
    unit = model.display_unit(name)
    return format_number(float(to_unit(model.raw[name], unit)), digits), format_unit(unit)


def eval_table(model, names=None) -> str:
    """A plain-text table: name, symbol, value, unit, origin."""
    names = list(names or model.names())
    rows = [("name", "symbol", "value", "unit", "from")]
    for name in names:
        number, unit = shown(model, name)
        rows.append((name, plain_symbol(model.graph[name].symbol), number, unit,
                     origin_mark(model, name)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]),
                 row[3].ljust(widths[3]), row[4]]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    title = model.spec.title + (f" [variant {model.scenario.variant}]" if model.scenario.variant else "")
    return f"{title}\n{model.spec.path}\n\n" + "\n".join(lines) + "\n"


def _solved_form(model, name: str) -> str:
    from ..engine.solve import solve_details
    from ..errors import NoSolutionError
    spec = model.graph[name].solve
    text = f"{spec.for_name} with " + " and ".join(c.text for c in spec.constraints)
    try:
        result = solve_details(model, name)
    except NoSolutionError:
        return f"(no value: the extreme {text})"
    return result.closed_form or f"the {result.direction} {text} (no closed form)"


def symbolic_table(model, names=None) -> str:
    """Each computed quantity as a closed form in the inputs (sympy's text), one per line."""
    from ..engine.symbolic import closed_form
    names = [n for n in (names or model.names()) if not model.graph[n].is_input]
    lines = []
    for name in names:
        bound = model.scenario.bound.get(name)
        if bound is not None and bound.pinned:
            lines.append(f"{name} = {bound.text}    (pinned at {bound.where})")
        elif model.graph[name].solve is not None:
            lines.append(f"{name} = {_solved_form(model, name)}")
        else:
            lines.append(f"{name} = {closed_form(model, name)}")
    return "\n".join(lines) + "\n"


def eval_json(model, names=None) -> str:
    """The contract JSON: ``{"values": {name: {"value": number, "unit": "..."}}}`` in declared units."""
    names = list(names or model.names())
    values = {}
    for name in names:
        quantity = model.graph[name]
        value = float(to_unit(model.raw[name], quantity.unit))
        values[name] = {"value": value if value == value else None,  # NaN (no solution) -> null
                        "unit": format_unit(quantity.unit.pint_unit) or "dimensionless"}
    document = {"scenario": model.spec.path, "variant": model.scenario.variant, "values": values,
                "pinned": model.scenario.pinned}
    return json.dumps(document, indent=2)



