"""``calcgraph explain NAME``: the derivation chain of one quantity as a hand calculation, in plain text."""

from __future__ import annotations

import re

from calcgraph.engine.evaluated import Evaluated, NodeState
from calcgraph.errors import NoSolutionError
from calcgraph.render.values import origin_mark, shown, slack_text, solve_question


def _in_place(ev: Evaluated, formula) -> str:
    def value(match: re.Match) -> str:
        name = match.group(0)
        if name not in formula.names:
            return name
        number, unit = shown(ev, name)
        return f"({number} {unit})" if unit else number
    return re.sub(r"[A-Za-z][A-Za-z0-9_]*(?!\s*\()", value, formula.text)


def explain_text(ev: Evaluated, name: str) -> str:
    """The inputs and every formula ``name`` depends on, from inputs up to ``name``.

    >>> import calcgraph
    >>> print(explain_text(calcgraph.load().evaluated, "param_bytes").splitlines()[-1].strip())
    = 70 GB
    """
    graph = ev.graph
    chain = graph.ancestors(name) + [name]
    lines = [f"{name}: {graph[name].doc}", ""]
    inputs = [n for n in chain if ev.states[n] in (NodeState.INPUT, NodeState.UNKNOWN) and graph[n].is_input]
    if inputs:
        lines += ["inputs:"] + [f"  {n} = {_value(ev, n)}    [{origin_mark(ev, n)}]" for n in inputs] + [""]
    for n in chain:
        quantity = graph[n]
        if ev.states[n] is NodeState.PINNED:
            number, unit = shown(ev, n)
            lines.append(f"{n} = {number} {unit}  (pinned at {ev.scenario.bound[n].where}; its formula is not used)")
            if quantity.formula is not None:
                lines.append(f"    typed over {n} = {quantity.formula.text}    [{quantity.formula_where}]")
            lines.append("")
        elif quantity.formula is not None:
            lines += [f"{n} = {quantity.formula.text}    [{quantity.formula_where}]",
                      f"    = {_in_place(ev, quantity.formula)}", f"    = {_value(ev, n)}", ""]
        elif quantity.solve is not None:
            lines += _solve_lines(ev, n)
    return "\n".join(lines).rstrip() + "\n"


def _value(ev: Evaluated, name: str) -> str:
    return " ".join(shown(ev, name)).rstrip()


def _solve_lines(ev: Evaluated, name: str) -> list[str]:
    spec = ev.graph[name].solve
    head = f"{name} = the {{}} {solve_question(ev, name)}    [{spec.where}]"
    try:
        result = ev.solve_details(name)
    except NoSolutionError as exc:
        return [head.format("extreme"), f"    = no value: {exc.message}", ""]
    lines = [head.format(result.direction)]
    if result.closed_form is not None:
        lines.append(f"    = {result.closed_form}    (closed form; agrees with the search)")
    slacks = "; ".join(slack_text(s) for s in result.slacks)
    return lines + [
        f"    = {_value(ev, name)}", f"    ({result.method}: {result.evaluations} evaluations; binding: "
        f"{result.binding_text}; {slacks}; the values above are at the scenario's {spec.for_name})", ""]
