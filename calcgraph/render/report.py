"""``calcgraph report``: a Markdown derivation in which every number leads to its formula and YAML line.

The document renders on GitHub (math between ``$$``, MathJax-compatible LaTeX,
a mermaid diagram): a summary of the scenario and its headline figures, the
inputs with the file:line (or ``--set`` argument) each value came from, one
section per quantity (formula in symbols, the same with the values in place in
the written term order, the result, the closed form in the inputs when short,
links to the quantities it uses), a dependency diagram, a sensitivity table of
elasticities and the ``expect:`` comparison. Output is deterministic:
declaration order and fixed number formatting, so reports can be diffed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..core.graph import default_symbol
from ..core.names import suggest
from ..engine.symbolic import closed_form_latex
from ..errors import CalcgraphError, UnknownNameError
from .latex import formula_latex, plain_number, value_latex, value_text
from .sensitivity import sensitivity_table

_OPS = {"<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "==": "="}
_KINDS = {"models": "Model", "chips": "Chip", "dtypes": "Precision", "formulas": "Formulas"}
_WORKLOAD = ("chips", "batch", "seq_len", "prefill_len", "gen_len")


# ---------------------------------------------------------------- small pieces

def _symbol(model, name: str) -> str:
    return model.graph[name].symbol


def _pinned(model, name: str) -> bool:
    bound = model.scenario.bound.get(name)
    return bound is not None and bound.pinned


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _symbol_cell(model, name: str) -> str:
    symbol = _symbol(model, name)
    return "" if symbol == default_symbol(name) else f"${symbol}$"


def _cell(text: str) -> str:
    return str(text).replace("|", r"\|").replace("\n", " ")


def _link(name: str, target: str | None = None) -> str:
    return f"[`{name}`](#{target or name})"


def _origin(bound) -> str:
    labels = {"default": "module default", "scenario": "scenario"}
    label = labels.get(bound.origin, bound.origin)
    where = str(bound.where)
    if where.startswith(bound.origin):
        return f"`{where}`"
    return f"{label} `{where}`"


# ---------------------------------------------------------------- what to show

def _deps(model, name: str) -> list[str]:
    """The quantities ``name``'s value is computed from (none when pinned or an input)."""
    quantity = model.graph[name]
    if _pinned(model, name) or quantity.is_input:
        return []
    if quantity.formula is not None:
        return list(quantity.formula.names)
    order = list(model.graph.quantities)
    return sorted(model.graph.dag.predecessors(name), key=order.index)


def _section_names(model, names) -> list[str]:
    """``names`` and every computed quantity they use (stopping at pinned ones), in evaluation order."""
    wanted: set[str] = set()
    stack = [n for n in names if not model.graph[n].is_input]
    while stack:
        name = stack.pop()
        if name in wanted:
            continue
        wanted.add(name)
        stack += [d for d in _deps(model, name) if not model.graph[d].is_input]
    return [n for n in model.graph.order if n in wanted]


def _input_names(model, sections) -> list[str]:
    used: set[str] = set()
    for name in sections:
        if _pinned(model, name):
            used.add(name)
        used |= {d for d in _deps(model, name) if model.graph[d].is_input}
        solve = model.graph[name].solve
        if solve is not None and getattr(solve, "for_name", None) in model.graph:
            used.add(solve.for_name)
    return [n for n in model.graph.quantities if n in used]


def _headline(model, only) -> list[str]:
    if only:
        names = list(dict.fromkeys(only))
        for name in names:
            if name not in model.graph:
                raise UnknownNameError(f"no quantity named {name!r}", where="--only",
                                       hint=suggest(name, model.graph.quantities), name=name)
        return names
    if model.spec.report:
        return list(model.spec.report)
    return [n for n in model.graph.quantities if not model.graph[n].is_input]


# ---------------------------------------------------------------- sections

def _common_source(model, sections) -> str | None:
    sources = Counter(model.graph[n].source for n in sections if model.graph[n].source)
    return sources.most_common(1)[0][0] if sources else None


def _aligned(lines: list[str]) -> str:
    body = " \\\\\n".join(lines)
    return "$$\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n$$"


def _formula_lines(model, name: str) -> list[str]:
    quantity = model.graph[name]
    tree = quantity.formula.tree
    symbolic = formula_latex(tree, lambda n: _symbol(model, n))
    values = formula_latex(tree, lambda n: value_latex(model, n))
    result = value_latex(model, name)
    lines = [f"{_symbol(model, name)} &= {symbolic}"]
    if values != result:
        lines.append(f"&= {values}")
    lines.append(f"&= {result}")
    return lines


def _uses(model, name: str, sections) -> str:
    links = []
    for dep in _deps(model, name):
        links.append(_link(dep) if dep in sections else _link(dep, "inputs"))
    return ", ".join(links)


def _trailer(model, name: str, sections, common: str | None) -> str:
    quantity = model.graph[name]
    parts = []
    uses = _uses(model, name, sections)
    if uses:
        parts.append(f"Uses {uses}.")
    if quantity.formula is not None:
        where = quantity.formula_where
        if _pinned(model, name):
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


def _pinned_section(model, name: str) -> list[str]:
    from ..core.evaluate import compile_expr
    quantity = model.graph[name]
    bound = model.scenario.bound[name]
    out = [f"{_sentence(quantity.doc)}: **{value_text(model, name)}**, "
           f"**pinned** by `{bound.where}` (typed over its formula, which is not used).", ""]
    if quantity.formula is not None:
        symbolic = formula_latex(quantity.formula.tree, lambda n: _symbol(model, n))
        out += [f"$$\n{_symbol(model, name)} = {symbolic}\n$$", ""]
        try:
            would = float(compile_expr(quantity.formula.expr)(model.raw))
            from ..core.numbers import format_number
            from ..core.units import format_unit, to_unit
            unit = model.display_unit(name)
            number = plain_number(format_number(float(to_unit(would, unit))))
            out += [f"With these inputs the formula would give {number} {format_unit(unit)}.".replace(" .", "."),
                    ""]
        except (CalcgraphError, KeyError, ZeroDivisionError, ValueError):
            pass
    return out


def _comparison_latex(model, comparison) -> str:
    left = formula_latex(comparison.lhs.tree, lambda n: _symbol(model, n))
    right = formula_latex(comparison.rhs.tree, lambda n: _symbol(model, n))
    return f"{left} {_OPS.get(comparison.op, comparison.op)} {right}"


def _solve_section(model, name: str) -> list[str]:
    from ..core.numbers import format_number
    from ..core.units import format_unit
    from ..engine.solve import solve_details
    details = solve_details(model, name)
    spec = model.graph[name].solve
    target = details.for_name
    kind = "integer " if details.integer else ""
    out = [f"Solved: the {details.direction} {kind}{_link(target, 'inputs')} "
           f"(${_symbol(model, target)}$) such that", ""]
    constraints = [c.comparison for c in getattr(spec, "constraints", ()) if hasattr(c, "comparison")]
    if constraints:
        out += ["$$\n" + r" \quad\text{and}\quad ".join(_comparison_latex(model, c) for c in constraints)
                + "\n$$", ""]
    else:
        out += ["".join(f"- `{text}`\n" for text in details.constraints)]
    if details.closed_form_latex:
        out += ["Closed form, which agrees with the search:", "",
                f"$$\n{_symbol(model, name)} = {details.closed_form_latex} = {value_latex(model, name)}\n$$", ""]
    out += ["| constraint | at the answer | |", "|---|---|---|"]
    slack = dict(details.slack)
    for text in details.constraints:
        mark = "binding" if text == details.binding else ""
        out.append(f"| `{_cell(text)}` | {_cell(slack.get(text, ''))} | {mark} |")
    low, high = details.bracket
    unit = format_unit(details.unit.pint_unit)
    out += ["", f"Found by {details.method} ({details.evaluations} evaluations in "
            f"[{plain_number(format_number(low))}, {plain_number(format_number(high))}] {unit})."
            .replace(" )", ")"), ""]
    scenario_value = value_text(model, target)
    answer = f"{plain_number(format_number(details.shown))} {unit}".rstrip()
    if answer != scenario_value:
        out += [f"The constraint is checked at `{target}` = {answer}; the sections of the quantities "
                f"it uses show the scenario's own `{target}` = {scenario_value}.", ""]
    out += [f"Note: {note}" for note in getattr(details, "notes", ())]
    if getattr(details, "notes", ()):
        out.append("")
    return out


def _section(model, name: str, sections, headline, common) -> list[str]:
    quantity = model.graph[name]
    out = [f"### {name}", ""]
    if _pinned(model, name):
        out += _pinned_section(model, name)
    else:
        out += [f"{_sentence(quantity.doc)}: **{value_text(model, name)}**.", ""]
        if quantity.solve is not None:
            out += _solve_section(model, name)
        elif quantity.formula is not None:
            out += [_aligned(_formula_lines(model, name)), ""]
            closed = closed_form_latex(model, name)
            if closed:
                out += ["In the inputs:", "", f"$$\n{_symbol(model, name)} = {closed}\n$$", ""]
    out += [_trailer(model, name, sections, common), ""]
    return out


# ---------------------------------------------------------------- report parts

def _file_titles(model) -> list[tuple[str, str, str | None]]:
    rows = []
    for path, title in model.spec.titles[1:]:
        kind = next((label for part, label in _KINDS.items() if part in Path(path).parts), "Uses")
        rows.append((kind, path, title))
    return rows


def _summary(model, headline) -> list[str]:
    spec, scenario = model.spec, model.scenario
    out = []
    if spec.doc:
        out += [spec.doc.strip(), ""]
    out.append(f"- **Scenario**: `{spec.path}`" + (f", variant **{scenario.variant}**" if scenario.variant else ""))
    grouped: dict[str, list] = {}
    for kind, path, title in _file_titles(model):
        grouped.setdefault(kind, []).append((path, title))
    for kind, files in grouped.items():
        path, title = files[0]
        more = "".join(f", `{Path(p).name}`" for p, _ in files[1:])
        out.append(f"- **{kind}**: {title + ' ' if title else ''}(`{path}`{more})")
    workload = [f"{n} = {value_text(model, n)}" for n in _WORKLOAD if n in model.graph]
    if workload:
        out.append("- **Workload and slice**: " + ", ".join(workload))
    for entry in scenario.entries:
        out.append(f"- **Override**: `{entry.where}`")
    pinned = scenario.pinned
    if pinned:
        out.append("- **Pinned** (typed over their formulas): " + ", ".join(_link(n) for n in pinned))
    out += ["", "| headline | value | meaning |", "|---|---:|---|"]
    for name in headline:
        target = name if not model.graph[name].is_input else "inputs"
        out.append(f"| {_link(name, target)} | {value_text(model, name)} | {_cell(model.graph[name].doc)} |")
    return out + [""]


def _inputs_table(model, names) -> list[str]:
    out = ["| input | symbol | value | from | meaning |", "|---|---|---:|---|---|"]
    for name in names:
        quantity = model.graph[name]
        bound = model.scenario.bound[name]
        origin = _origin(bound)
        if bound.pinned:
            origin = f"**pinned** {origin}"
        meaning = quantity.doc + (f" ({bound.note})" if bound.note else "")
        out.append(f"| `{name}` | {_symbol_cell(model, name)} | {value_text(model, name)} | "
                   f"{_cell(origin)} | {_cell(meaning)} |")
    return out + [""]


def _diagram(model, sections, headline) -> list[str]:
    out = ["```mermaid", "flowchart LR"]
    for name in sections:
        label = f"{name}<br/>{value_text(model, name)}"
        out.append(f'  q_{name}["{label}"]')
    for name in sections:
        for dep in _deps(model, name):
            if dep in sections:
                out.append(f"  q_{dep} --> q_{name}")
    marked = [f"q_{n}" for n in sections if n in headline]
    if marked:
        out += ["  classDef headline fill:#fff3c4,stroke:#b58900", f"  class {','.join(marked)} headline"]
    pinned = [f"q_{n}" for n in sections if _pinned(model, n)]
    if pinned:
        out += ["  classDef pinned stroke-dasharray:5 5", f"  class {','.join(pinned)} pinned"]
    return out + ["```", ""]


def _expect_table(model, sections, limit=None) -> list[str]:
    from ..core.numbers import format_number
    from ..engine.expect import compare
    rows = [r for r in compare(model) if limit is None or r.name in limit]
    if not rows:
        return []
    out = ["| quantity | printed | computed | difference | verdict | why |",
           "|---|---:|---:|---:|---|---|"]
    for row in rows:
        verdict = "differs (explained)" if row.verdict == "differs" and row.reason else row.verdict
        if not row.ok:
            verdict = f"**{verdict}**"
        difference = "0" if row.difference == 0 else f"{100 * row.difference:.3g} %"
        computed = f"{plain_number(format_number(row.computed))} {row.unit}".rstrip()
        name = _link(row.name) if row.name in sections else f"`{row.name}`"
        out.append(f"| {name} | {_cell(row.printed)} | {computed} | {difference} | {verdict} | "
                   f"{_cell(row.reason or '')} |")
    return out + [""]


# ---------------------------------------------------------------- public

def render_report(model, only=None) -> str:
    """The whole derivation report of ``model`` as Markdown (``only``: the quantities to report).

    >>> import calcgraph
    >>> text = render_report(calcgraph.load(), only=["param_bytes"])
    >>> "### param_bytes" in text and "### t_step" not in text
    True
    """
    headline = _headline(model, only)
    expected = [e.name for e in model.spec.expects
                if e.variant == model.scenario.variant and e.name in model.graph]
    shown_names = headline if only else list(dict.fromkeys(headline + expected))
    sections = _section_names(model, shown_names)
    inputs = _input_names(model, sections) + [n for n in headline
                                              if model.graph[n].is_input and n not in sections]
    inputs = [n for n in model.graph.quantities if n in set(inputs)]
    common = _common_source(model, sections)
    title = model.spec.title + (f" (variant {model.scenario.variant})" if model.scenario.variant else "")
    out = [f"# {title}", "", "*Derivation report written by `calcgraph report`: every number below "
           "leads to its formula and to the YAML line its inputs came from.*", ""]
    out += ["## Summary", ""] + _summary(model, headline)
    out += ["## Inputs", "", "Each value with the file and line (or command-line argument) it came from.",
            ""] + _inputs_table(model, inputs)
    if sections:
        intro = "In evaluation order: each formula in symbols, the same with the values in place, the result."
        if common:
            intro += f" Formulas follow *{common}* unless a section names another source."
        out += ["## Derivation", "", intro, ""]
        for name in sections:
            out += _section(model, name, sections, headline, common)
        out += ["## Dependencies", "", "The computed quantities above (headline figures highlighted; "
                "inputs are in the [table of inputs](#inputs)).", ""] + _diagram(model, sections, headline)
    sensitivity = sensitivity_table(model, headline)
    if sensitivity:
        out += ["## Sensitivity", ""] + sensitivity
    expects = _expect_table(model, sections, set(sections) | set(headline) if only else None)
    if expects:
        out += ["## Checks against the source (`expect:`)", ""] + expects
    return "\n".join(out).rstrip() + "\n"


def quantity_markdown(model, name: str) -> str:
    """The derivation of one quantity as Markdown: its inputs, the sections it needs, its elasticities.

    >>> import calcgraph
    >>> quantity_markdown(calcgraph.load(), "param_bytes").splitlines()[0]
    '## param_bytes = 70 GB'
    """
    headline = _headline(model, [name])
    sections = _section_names(model, headline)
    inputs = _input_names(model, sections) if sections else [name]
    common = _common_source(model, sections)
    out = [f"## {name} = {value_text(model, name)}", "", _sentence(model.graph[name].doc) + ".", ""]
    out += _inputs_table(model, inputs)
    for section in sections:
        out += _section(model, section, sections, headline, common)
    out += sensitivity_table(model, headline)
    return "\n".join(out).rstrip() + "\n"


@dataclass(frozen=True)
class QuantityView:
    """A notebook display of one quantity's derivation (``Model.show(name)``)."""

    model: object
    name: str

    def _repr_markdown_(self) -> str:
        return quantity_markdown(self.model, self.name)
