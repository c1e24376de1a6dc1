"""The report's Assumptions: switches and efficiencies in force, and the ``assumes:`` texts."""

from __future__ import annotations

from calcgraph.render.latex import value_text
from calcgraph.render.mdtext import md_text
from calcgraph.render.report.arithmetic import is_switch
from calcgraph.render.report.sections import deps, input_names, link, section_names


def _affects(ev, name: str, shown: set, target) -> str:
    users = [n for n in ev.graph.order if n in shown and name in deps(ev, n)]  # a pin's formula is not used
    return ", ".join(target(n) for n in users[:4]) + (", ..." if len(users) > 4 else "")


def assumption_lines(ev, inputs, sections, target) -> list[str]:
    """Markdown lines, one per assumption in force; ``target(name)`` links a quantity.

    >>> import calcgraph
    >>> from calcgraph.render.report.sections import link
    >>> ev = calcgraph.load().evaluated
    >>> any("`kv_replicate` = 0" in line for line in assumption_lines(ev, ["kv_replicate"], ["kv_heads_stored"], link))
    True
    """
    shown = set(sections)
    out = []
    for name in inputs:
        bound = ev.scenario.bound.get(name)
        if bound is None or not (is_switch(ev, name) or "assumptions" in str(bound.where)):  # not in force
            continue
        why = bound.note or ev.graph[name].doc
        affects = _affects(ev, name, shown, target)
        out.append(f"- `{name}` = {value_text(ev, name)}: {md_text(why)}"
                   + (f" (affects {affects})" if affects else ""))
    specs = {q.name: q for q in ev.spec.quantities}
    for name in sections:
        spec = specs.get(name)
        if spec is not None and spec.assumes and ev.graph[name].formula_origin is None:
            out.append(f"- {md_text(spec.assumes[:1].upper() + spec.assumes[1:])} (in {target(name)})")
    for path, text in ev.spec.assumes:
        out.append(f"- {md_text(text)} (`{path}`)")
    return out


def assumptions_section(ev, inputs, needed, rows, sections) -> list[str]:
    """The Assumptions lines: those of the derived figures, else those of the checks' quantities, else a line."""
    lines = assumption_lines(ev, inputs, needed, lambda n: link(n) if n in sections else link(n, "inputs"))
    if lines:
        return lines
    checked = section_names(ev, [n for r in rows for n in r.concerns if n in ev.graph])
    lines = assumption_lines(ev, input_names(ev, checked), checked, lambda n: f"`{n}`")
    if lines:
        return ["These figures take no switch or efficiency themselves; the checks below rest on:", ""] + lines
    return ["- None beyond the formulas themselves: no switch, efficiency or simplification enters these "
            "figures."]
