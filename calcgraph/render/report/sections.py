"""One section per quantity of a report: formula, values in place, result; pinned and solved quantities."""

from __future__ import annotations

import ast
from collections.abc import Callable

import sympy

from calcgraph.core.evaluate import compile_node
from calcgraph.core.numbers import format_number
from calcgraph.core.units import format_unit, to_unit
from calcgraph.engine import budget
from calcgraph.engine.evaluated import Evaluated, NodeState
from calcgraph.engine.symbolic import cached, closed_form, is_leaf, leaves
from calcgraph.errors import NoSolutionError
from calcgraph.render.latex import formula_latex, number_unit_text, value_latex, value_text, wrap_line
from calcgraph.render.mdtext import md_text, safe_symbol, sentence, table_number
from calcgraph.render.report.arithmetic import (
    OFF,
    attempt,
    conversion_note,
    is_switch,
    pruned_tree,
    rounding_lines,
    solve_substituted,
)
from calcgraph.render.values import slack_text

_OPS = {"<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "==": "="}


def symbol_of(ev, name: str) -> str:
    """The LaTeX symbol of ``name``, if it is in the safe subset (else its name, upright)."""
    return safe_symbol(ev.graph[name].symbol, name)


def is_pinned(ev: Evaluated, name: str) -> bool:
    """True when ``name`` is a computed quantity given a value."""
    return ev.states[name] is NodeState.PINNED


def code(text: object) -> str:
    """Text as a code span for a table cell (no backticks or newlines inside, pipes escaped)."""
    return "`" + " ".join(str(text).replace("`", "'").split()).replace("|", r"\|") + "`"


def link(name: str, target: str | None = None) -> str:
    return f"[`{name}`](#{target or name})"


def linker(sections) -> Callable[[str], str]:
    """A quantity as a link to its section when it has one, else in a code span."""
    return lambda name: link(name) if name in sections else f"`{name}`"


def deps(ev, name: str) -> list[str]:
    """The quantities ``name``'s value is computed from (none when pinned or an input)."""
    quantity = ev.graph[name]
    if is_pinned(ev, name) or quantity.is_input:
        return []
    if quantity.formula is not None:
        return list(quantity.formula.names)
    order = list(ev.graph.quantities)
    return sorted(ev.graph.dag.predecessors(name), key=order.index)


def math_block(text: str) -> str:
    """Display math in a ```math fence, which GitHub keeps literal (no Markdown escapes inside)."""
    return "```math\n" + text + "\n```"


def _aligned(lines: list[str]) -> str:
    lines = [part for line in lines for part in wrap_line(line)]  # long lines broken for the column
    return math_block("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}")


def is_trivial(ev, name: str) -> bool:
    """True for a rename or a unit conversion: one quantity times or over constants and ``one_*`` units."""
    quantity = ev.graph[name]
    if quantity.formula is None or quantity.solve is not None or is_pinned(ev, name):
        return False
    names = [n for n in quantity.formula.names if not (n.startswith("one_") and ev.graph[n].is_input)]
    plain = all(isinstance(node, (ast.Name, ast.Constant, ast.BinOp, ast.Mult, ast.Div, ast.Load, ast.Expression))
                for node in ast.walk(quantity.formula.tree))
    return len(names) == 1 and plain


def inputs_form(ev, name: str, limit: int = 180) -> tuple[str, list[str]] | None:
    """``name``'s closed form in the inputs, switches in force substituted, and the switches used."""
    quantity = ev.graph[name]
    if is_leaf(ev, name) or all(is_leaf(ev, n) for n in quantity.formula.names):
        return None
    expr = closed_form(ev, name)
    if not budget.fits(expr, 10 * limit):  # switches in force may shrink it, but not tenfold
        return None
    fixed = {n for n in leaves(expr) if n in ev.graph and is_switch(ev, n)}
    expr = _replaced(ev, expr, "positive", lambda s: sympy.Symbol(s.name, positive=True))
    expr = _replaced(ev, expr, "switched", lambda s: sympy.Integer(int(ev.values[s.name]))
                     if s.name in ev.graph and is_switch(ev, s.name) else s)
    names = {s: symbol_of(ev, s.name) for s in expr.free_symbols}
    text = budget.text(expr, lambda e: sympy.latex(e, symbol_names=names, mul_symbol="dot"))
    if text is None or len(text) > limit or text == _symbolic(ev, quantity.formula.tree):
        return None
    return text, [n for n in sorted(fixed) if n in leaves(closed_form(ev, name))]


def _replaced(ev, expr: sympy.Basic, kind: str, symbol: Callable) -> sympy.Basic:
    """``expr.xreplace`` of each symbol by ``symbol(s)``, every rebuilt subtree kept for the life of ``ev``: the
    sections' closed forms share their subtrees, and rebuilding a Max or Min is costly (its zero search)."""
    memo = cached(ev, kind)

    def walk(e):
        if id(e) not in memo:
            if e.is_Symbol:
                new = symbol(e)
            else:
                args = tuple(walk(a) if isinstance(a, sympy.Basic) else a for a in e.args)
                new = e.func(*args) if any(a is not b for a, b in zip(args, e.args, strict=True)) else e
            memo[id(e)] = (e, new)  # e kept alive with its id
        return memo[id(e)][1]
    return walk(expr)


def _formula_lines(ev, name: str) -> list[str]:
    tree = ev.graph[name].formula.tree
    off = r"0_{\text{off}}"
    values = formula_latex(pruned_tree(tree, ev.values), lambda n: off if n == OFF else value_latex(ev, n))
    result = value_latex(ev, name)
    in_place = [f"&= {values}"] if values != result else []
    return [f"{symbol_of(ev, name)} &= {_symbolic(ev, tree)}"] + in_place + rounding_lines(ev, name) + [f"&= {result}"]


def _use(ev, dep: str, sections) -> str:
    if dep in sections:
        return link(dep)
    if ev.graph[dep].is_input or is_trivial(ev, dep):
        return link(dep, "inputs")
    return f"`{dep}` = {value_text(ev, dep)}"


def _trailer(ev, name: str, sections, common: str | None) -> str:
    quantity = ev.graph[name]
    uses = ", ".join(_use(ev, dep, sections) for dep in deps(ev, name))
    parts = [f"Uses {uses}."] if uses else []
    where = quantity.formula_where
    if quantity.formula is None:
        parts.append(f"Defined at `{quantity.where}`.")
    elif is_pinned(ev, name):
        parts.append(f"Formula (not used): `{where}`.")
    elif quantity.formula_origin:
        parts.append(f"Formula replaced by {quantity.formula_origin} at `{where}`.")
    else:
        parts.append(f"Formula: `{where}`.")
    if quantity.source and quantity.source != common:
        parts.append(f"Source: {md_text(quantity.source)}.")
    return " ".join(parts)


def _pinned_section(ev, name: str) -> list[str]:
    quantity = ev.graph[name]
    bound = ev.scenario.bound[name]
    out = [f"{sentence(quantity.doc)}: **{value_text(ev, name)}**, "
           f"**pinned** by `{bound.where}` (typed over its formula, which is not used).", ""]
    if quantity.formula is not None:
        out += [math_block(f"{symbol_of(ev, name)} = {_symbolic(ev, quantity.formula.tree)}"), ""]
        would = attempt(lambda: compile_node(quantity.formula.node)(ev.values))
        if would is not None:
            unit = ev.display_unit(name)
            number = number_unit_text(format_number(float(to_unit(would, unit))), format_unit(unit))
            out += [f"With these inputs the formula would give {number}.", ""]
    return out


def _symbolic(ev, tree) -> str:
    """A formula tree in LaTeX, each quantity by its symbol."""
    return formula_latex(tree, lambda n: symbol_of(ev, n))


def _solve_section(ev: Evaluated, name: str) -> list[str]:
    try:
        details = ev.solve_details(name)
    except NoSolutionError as exc:  # no answer: say why where the value would be
        spec = ev.graph[name].solve
        return [f"Solved for {link(spec.for_name, 'inputs')}: **no answer** "
                f"({md_text(ev.reasons.get(name, exc.reason))}). {sentence(exc.message)}.", ""]
    target = details.for_name
    out = [f"Solved for {link(target, 'inputs')} (written ${symbol_of(ev, target)}$ below): the "
           f"{details.direction} {'integer ' if details.integer else ''}value such that", ""]
    comparisons = [c.comparison for c in details.constraints]
    out += [math_block(r" \quad\text{and}\quad ".join(f"{_symbolic(ev, c.lhs.tree)} {_OPS.get(c.op, c.op)} "
                                                        f"{_symbolic(ev, c.rhs.tree)}" for c in comparisons)), ""]
    if details.closed_form is not None:  # in the quantities' raw symbols, as sympy prints them
        symbols = {s: sympy.Symbol(symbol_of(ev, s.name)) for s in details.closed_form.free_symbols
                   if s.name in ev.graph}
        closed = sympy.latex(details.closed_form.xreplace(symbols), mul_symbol="dot")
        lines = [f"{symbol_of(ev, name)} &= {closed}"] + solve_substituted(ev, details)
        out += ["Closed form, which agrees with the search:", "",
                _aligned(lines + [f"&= {value_latex(ev, name)}"]), ""]
    out += ["| constraint | at the answer | |", "|---|---|---|"]
    out += [f"| {code(slack.constraint.text)} | {code(slack_text(slack))} | "
            f"{'binding' if slack.constraint in details.binding else ''} |" for slack in details.slacks]
    unit = format_unit(details.unit.pint_unit)
    low, high, answer = (number_unit_text(format_number(v), unit) for v in (*details.bracket, details.shown))
    out += ["", f"Found by {details.method} ({details.evaluations} evaluations between {low} and {high}).", ""]
    scenario_value = value_text(ev, target)
    if answer != scenario_value:
        out += [f"The constraint is checked at `{target}` = {answer}; the sections of the quantities "
                f"it uses show the scenario's own `{target}` = {scenario_value}.", ""]
    return out + [f"Note: {note}" for note in details.notes] + ([""] if details.notes else [])


def section(ev, name: str, sections, common) -> list[str]:
    quantity = ev.graph[name]
    out = [f"### {name}", ""]  # name is a checked identifier: nothing to escape
    if is_pinned(ev, name):
        out += _pinned_section(ev, name)
    else:
        out += [f"{sentence(quantity.doc)}: **{value_text(ev, name)}**.", ""]
        if quantity.solve is not None:
            out += _solve_section(ev, name)
        elif quantity.formula is not None:
            out += [_aligned(_formula_lines(ev, name)), ""]
            note = conversion_note(ev, name)
            if note:
                out += [note, ""]
            closed = inputs_form(ev, name)
            if closed:
                text, fixed = closed
                given = ", ".join(f"`{n}` = {table_number(format_number(ev.values[n]))}" for n in fixed)
                out += [f"In the inputs{' (with ' + given + ')' if fixed else ''}:", "",
                        math_block(f"{symbol_of(ev, name)} = {text}"), ""]
    out += [_trailer(ev, name, sections, common), ""]
    return out


def section_names(ev, names) -> list[str]:
    """``names`` and every computed quantity they use (stopping at pinned ones), in evaluation order."""
    wanted = reachable(names, lambda name: deps(ev, name))  # an input has none
    return [n for n in ev.graph.order if n in wanted and not ev.graph[n].is_input]


def reachable(roots, step) -> set[str]:
    """``roots`` and every name reached from them by ``step(name)`` (the names one step on)."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack += step(name)
    return seen


def input_names(ev, sections) -> list[str]:
    """The inputs the ``sections`` use (pinned ones and solve unknowns included), in declaration order."""
    used = {d for n in sections for d in deps(ev, n) if ev.graph[d].is_input}
    used |= {n for n in sections if is_pinned(ev, n)}
    used |= {ev.graph[n].solve.for_name for n in sections if ev.graph[n].solve is not None}
    return [n for n in ev.graph.quantities if n in used]
