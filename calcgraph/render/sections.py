"""One section per quantity of a report: formula, values in place, result; pinned and solved quantities."""

from __future__ import annotations

from ..core.evaluate import compile_expr
from ..core.graph import default_symbol
from ..core.numbers import format_number
from ..core.units import format_unit, to_unit
from ..engine.evaluated import Evaluated, NodeState
from ..engine.symbolic import closed_form_latex
from ..errors import CalcgraphError
from .latex import formula_latex, plain_number, value_latex, value_text
from .values import closed_form_latex as solve_closed_form_latex
from .values import slack_text

_OPS = {"<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "==": "="}



def symbol_of(ev, name: str) -> str:
    return ev.graph[name].symbol



def is_pinned(ev: Evaluated, name: str) -> bool:
    """True when ``name`` is a computed quantity given a value."""
    return ev.states[name] is NodeState.PINNED



def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]



def symbol_cell(ev, name: str) -> str:
    symbol = symbol_of(ev, name)
    return "" if symbol == default_symbol(name) else f"${symbol}$"



def cell(text: str) -> str:
    return str(text).replace("|", r"\|").replace("\n", " ")



def link(name: str, target: str | None = None) -> str:
    return f"[`{name}`](#{target or name})"



def deps(ev, name: str) -> list[str]:
    """The quantities ``name``'s value is computed from (none when pinned or an input)."""
    quantity = ev.graph[name]
    if is_pinned(ev, name) or quantity.is_input:
        return []
    if quantity.formula is not None:
        return list(quantity.formula.names)
    order = list(ev.graph.quantities)
    return sorted(ev.graph.dag.predecessors(name), key=order.index)



def _aligned(lines: list[str]) -> str:
    body = " \\\\\n".join(lines)
    return "$$\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n$$"



def _formula_lines(ev, name: str) -> list[str]:
    quantity = ev.graph[name]
    tree = quantity.formula.tree
    symbolic = formula_latex(tree, lambda n: symbol_of(ev, n))
    values = formula_latex(tree, lambda n: value_latex(ev, n))
    result = value_latex(ev, name)
    lines = [f"{symbol_of(ev, name)} &= {symbolic}"]
    if values != result:
        lines.append(f"&= {values}")
    lines.append(f"&= {result}")
    return lines



def _uses(ev, name: str, sections) -> str:
    links = []
    for dep in deps(ev, name):
        links.append(link(dep) if dep in sections else link(dep, "inputs"))
    return ", ".join(links)



def _trailer(ev, name: str, sections, common: str | None) -> str:
    quantity = ev.graph[name]
    parts = []
    uses = _uses(ev, name, sections)
    if uses:
        parts.append(f"Uses {uses}.")
    if quantity.formula is not None:
        where = quantity.formula_where
        if is_pinned(ev, name):
            parts.append(f"Formula (not used): `{where}`.")
        elif quantity.formula_origin:
            parts.append(f"Formula replaced by {quantity.formula_origin} at `{where}`.")
        else:
            parts.append(f"Formula: `{where}`.")
    else:
        parts.append(f"Defined at `{quantity.where}`.")
    if quantity.source and quantity.source != common:
        parts.append(f"Source: {quantity.source}.")
    return " ".join(parts)



def _pinned_section(ev, name: str) -> list[str]:
    quantity = ev.graph[name]
    bound = ev.scenario.bound[name]
    out = [f"{sentence(quantity.doc)}: **{value_text(ev, name)}**, "
           f"**pinned** by `{bound.where}` (typed over its formula, which is not used).", ""]
    if quantity.formula is not None:
        symbolic = formula_latex(quantity.formula.tree, lambda n: symbol_of(ev, n))
        out += [f"$$\n{symbol_of(ev, name)} = {symbolic}\n$$", ""]
        try:
            would = float(compile_expr(quantity.formula.expr)(ev.values))
            unit = ev.display_unit(name)
            number = plain_number(format_number(float(to_unit(would, unit))))
            out += [f"With these inputs the formula would give {number} {format_unit(unit)}.".replace(" .", "."),
                    ""]
        except (CalcgraphError, KeyError, ZeroDivisionError, ValueError):
            pass
    return out



def _comparison_latex(ev, comparison) -> str:
    left = formula_latex(comparison.lhs.tree, lambda n: symbol_of(ev, n))
    right = formula_latex(comparison.rhs.tree, lambda n: symbol_of(ev, n))
    return f"{left} {_OPS.get(comparison.op, comparison.op)} {right}"



def _solve_section(ev: Evaluated, name: str) -> list[str]:
    details = ev.solve_details(name)
    target = details.for_name
    kind = "integer " if details.integer else ""
    out = [f"Solved: the {details.direction} {kind}{link(target, 'inputs')} "
           f"(${symbol_of(ev, target)}$) such that", ""]
    out += ["$$\n" + r" \quad\text{and}\quad ".join(_comparison_latex(ev, c.comparison) for c in details.constraints)
            + "\n$$", ""]
    closed = solve_closed_form_latex(ev, details)
    if closed:
        out += ["Closed form, which agrees with the search:", "",
                f"$$\n{symbol_of(ev, name)} = {closed} = {value_latex(ev, name)}\n$$", ""]
    out += ["| constraint | at the answer | |", "|---|---|---|"]
    for slack in details.slacks:
        mark = "binding" if slack.constraint in details.binding else ""
        out.append(f"| `{cell(slack.constraint.text)}` | {cell(slack_text(slack))} | {mark} |")
    low, high = details.bracket
    unit = format_unit(details.unit.pint_unit)
    out += ["", f"Found by {details.method} ({details.evaluations} evaluations in "
            f"[{plain_number(format_number(low))}, {plain_number(format_number(high))}] {unit})."
            .replace(" )", ")"), ""]
    scenario_value = value_text(ev, target)
    answer = f"{plain_number(format_number(details.shown))} {unit}".rstrip()
    if answer != scenario_value:
        out += [f"The constraint is checked at `{target}` = {answer}; the sections of the quantities "
                f"it uses show the scenario's own `{target}` = {scenario_value}.", ""]
    out += [f"Note: {note}" for note in details.notes]
    if details.notes:
        out.append("")
    return out


def section(ev, name: str, sections, headline, common) -> list[str]:
    quantity = ev.graph[name]
    out = [f"### {name}", ""]
    if is_pinned(ev, name):
        out += _pinned_section(ev, name)
    else:
        out += [f"{sentence(quantity.doc)}: **{value_text(ev, name)}**.", ""]
        if quantity.solve is not None:
            out += _solve_section(ev, name)
        elif quantity.formula is not None:
            out += [_aligned(_formula_lines(ev, name)), ""]
            closed = closed_form_latex(ev, name)
            if closed:
                out += ["In the inputs:", "", f"$$\n{symbol_of(ev, name)} = {closed}\n$$", ""]
    out += [_trailer(ev, name, sections, common), ""]
    return out

