"""``calcgraph explain NAME``: the derivation chain of one quantity, as plain text.

Each step reads like a hand calculation: the formula, the same formula with
the values written in place (in the formula's own term order), the result,
and the file:line the formula or value came from.
"""

from __future__ import annotations

import re

from .text import origin_mark, shown


def _in_place(model, formula) -> str:
    def value(match: re.Match) -> str:
        name = match.group(0)
        if name not in formula.names:
            return name
        number, unit = shown(model, name)
        return f"({number} {unit})" if unit else number
    return re.sub(r"[A-Za-z][A-Za-z0-9_]*(?!\s*\()", value, formula.text)


def explain_text(model, name: str) -> str:
    """The inputs and every formula ``name`` depends on, from inputs up to ``name``.

    >>> import calcgraph
    >>> print(explain_text(calcgraph.load(), "param_bytes").splitlines()[-1].strip())
    = 70 GB
    """
    graph = model.graph
    chain = graph.ancestors(name) + [name]
    lines = [f"{name}: {graph[name].doc}", ""]
    inputs = [n for n in chain if n in model.scenario.bound and not model.scenario.bound[n].pinned
              and graph[n].is_input]
    if inputs:
        lines.append("inputs:")
        for n in inputs:
            number, unit = shown(model, n)
            mark = origin_mark(model, n)
            lines.append(f"  {n} = {number} {unit}".rstrip() + f"    [{mark}]")
        lines.append("")
    for n in chain:
        quantity = graph[n]
        bound = model.scenario.bound.get(n)
        number, unit = shown(model, n)
        if bound is not None and bound.pinned:
            lines += [f"{n} = {number} {unit}  (pinned at {bound.where}; its formula is not used)", ""]
        elif quantity.formula is not None:
            lines += [f"{n} = {quantity.formula.text}    [{quantity.formula_where}]",
                      f"    = {_in_place(model, quantity.formula)}",
                      f"    = {number} {unit}".rstrip(), ""]
        elif quantity.solve is not None:
            lines += _solve_lines(model, n, number, unit)
    return "\n".join(lines).rstrip() + "\n"


def _solve_lines(model, name: str, number: str, unit: str) -> list[str]:
    from ..engine.solve import solve_details
    from ..errors import NoSolutionError
    spec = model.graph[name].solve
    constraints = " and ".join(c.text for c in spec.constraints)
    head = f"{name} = the {{}} {spec.for_name} with {constraints}    [{spec.where}]"
    try:
        result = solve_details(model, name)
    except NoSolutionError as exc:
        return [head.format("extreme"), f"    = no value: {exc.message}", ""]
    lines = [head.format(result.direction)]
    if result.closed_form:
        lines.append(f"    = {result.closed_form}    (closed form; agrees with the search)")
    lines.append(f"    = {number} {unit}".rstrip())
    lines.append(f"    ({result.method}: {result.evaluations} evaluations; binding: {result.binding}; "
                 + "; ".join(slack for _, slack in result.slack)
                 + f"; the values above are at the scenario's {spec.for_name})")
    return lines + [""]
