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

from ..core.names import suggest
from ..core.numbers import format_number
from ..engine.evaluated import Evaluated
from ..engine.expect import compare
from ..errors import Argument, UnknownNameError
from .checks import checks_section
from .latex import plain_number, value_text
from .sections import cell, deps, is_pinned, link, section, sentence, symbol_cell
from .sensitivity import sensitivity_table

_KINDS = {"models": "Model", "chips": "Chip", "dtypes": "Precision", "formulas": "Formulas"}
_WORKLOAD = ("chips", "batch", "seq_len", "prefill_len", "gen_len")


# ---------------------------------------------------------------- small pieces


def _origin(bound) -> str:
    labels = {"default": "module default", "scenario": "scenario"}
    label = labels.get(bound.origin, bound.origin)
    where = str(bound.where)
    if where.startswith(bound.origin):
        return f"`{where}`"
    return f"{label} `{where}`"


# ---------------------------------------------------------------- what to show


def _section_names(ev, names) -> list[str]:
    """``names`` and every computed quantity they use (stopping at pinned ones), in evaluation order."""
    wanted: set[str] = set()
    stack = [n for n in names if not ev.graph[n].is_input]
    while stack:
        name = stack.pop()
        if name in wanted:
            continue
        wanted.add(name)
        stack += [d for d in deps(ev, name) if not ev.graph[d].is_input]
    return [n for n in ev.graph.order if n in wanted]


def _input_names(ev, sections) -> list[str]:
    used: set[str] = set()
    for name in sections:
        if is_pinned(ev, name):
            used.add(name)
        used |= {d for d in deps(ev, name) if ev.graph[d].is_input}
        solve = ev.graph[name].solve
        if solve is not None:
            used.add(solve.for_name)
    return [n for n in ev.graph.quantities if n in used]


def _headline(ev, only) -> list[str]:
    if only:
        names = list(dict.fromkeys(only))
        for name in names:
            if name not in ev.graph:
                raise UnknownNameError(f"no quantity named {name!r}", where=Argument("output", name),
                                       hint=suggest(name, ev.graph.quantities), name=name)
        return names
    if ev.spec.report:
        return list(ev.spec.report)
    return [n for n in ev.graph.quantities if not ev.graph[n].is_input]


# ---------------------------------------------------------------- sections

def _common_source(ev, sections) -> str | None:
    sources = Counter(ev.graph[n].source for n in sections if ev.graph[n].source)
    return sources.most_common(1)[0][0] if sources else None



# ---------------------------------------------------------------- report parts

def _file_titles(ev) -> list[tuple[str, str, str | None]]:
    rows = []
    for path, title in ev.spec.titles[1:]:
        kind = next((label for part, label in _KINDS.items() if part in Path(path).parts), "Uses")
        rows.append((kind, path, title))
    return rows


def _summary(ev, headline) -> list[str]:
    spec, scenario = ev.spec, ev.scenario
    out = []
    if spec.doc:
        out += [spec.doc.strip(), ""]
    out.append(f"- **Scenario**: `{spec.path}`" + (f", variant **{scenario.variant}**" if scenario.variant else ""))
    grouped: dict[str, list] = {}
    for kind, path, title in _file_titles(ev):
        grouped.setdefault(kind, []).append((path, title))
    for kind, files in grouped.items():
        path, title = files[0]
        more = "".join(f", `{Path(p).name}`" for p, _ in files[1:])
        out.append(f"- **{kind}**: {title + ' ' if title else ''}(`{path}`{more})")
    workload = [f"{n} = {value_text(ev, n)}" for n in _WORKLOAD if n in ev.graph]
    if workload:
        out.append("- **Workload and slice**: " + ", ".join(workload))
    for entry in scenario.entries:
        out.append(f"- **Override**: `{entry.where}`")
    pinned = scenario.pinned
    if pinned:
        out.append("- **Pinned** (typed over their formulas): " + ", ".join(link(n) for n in pinned))
    out += ["", "| headline | value | meaning |", "|---|---:|---|"]
    for name in headline:
        target = name if not ev.graph[name].is_input else "inputs"
        out.append(f"| {link(name, target)} | {value_text(ev, name)} | {cell(ev.graph[name].doc)} |")
    return out + [""]


def _inputs_table(ev, names) -> list[str]:
    out = ["| input | symbol | value | from | meaning |", "|---|---|---:|---|---|"]
    for name in names:
        quantity = ev.graph[name]
        bound = ev.scenario.bound[name]
        origin = _origin(bound)
        if bound.pinned:
            origin = f"**pinned** {origin}"
        meaning = quantity.doc + (f" ({bound.note})" if bound.note else "")
        out.append(f"| `{name}` | {symbol_cell(ev, name)} | {value_text(ev, name)} | "
                   f"{cell(origin)} | {cell(meaning)} |")
    return out + [""]


def _diagram(ev, sections, headline) -> list[str]:
    out = ["```mermaid", "flowchart LR"]
    for name in sections:
        label = f"{name}<br/>{value_text(ev, name)}"
        out.append(f'  q_{name}["{label}"]')
    for name in sections:
        for dep in deps(ev, name):
            if dep in sections:
                out.append(f"  q_{dep} --> q_{name}")
    marked = [f"q_{n}" for n in sections if n in headline]
    if marked:
        out += ["  classDef headline fill:#fff3c4,stroke:#b58900", f"  class {','.join(marked)} headline"]
    pinned = [f"q_{n}" for n in sections if is_pinned(ev, n)]
    if pinned:
        out += ["  classDef pinned stroke-dasharray:5 5", f"  class {','.join(pinned)} pinned"]
    return out + ["```", ""]


def _expect_table(ev, sections, limit=None) -> list[str]:
    rows = [r for r in compare(ev) if limit is None or r.name in limit]
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
        name = link(row.name) if row.name in sections else f"`{row.name}`"
        out.append(f"| {name} | {cell(row.printed)} | {computed} | {difference} | {verdict} | "
                   f"{cell(row.reason or '')} |")
    return out + [""]


# ---------------------------------------------------------------- public

def render_report(ev, only=None) -> str:
    """The whole derivation report of ``ev`` as Markdown (``only``: the quantities to report).

    >>> import calcgraph
    >>> text = render_report(calcgraph.load().evaluated, only=["param_bytes"])
    >>> "### param_bytes" in text and "### t_step" not in text
    True
    """
    headline = _headline(ev, only)
    expected = [e.name for e in ev.spec.expects
                if e.variant == ev.scenario.variant and e.name in ev.graph]
    shown_names = headline if only else list(dict.fromkeys(headline + expected))
    sections = _section_names(ev, shown_names)
    inputs = _input_names(ev, sections) + [n for n in headline
                                              if ev.graph[n].is_input and n not in sections]
    inputs = [n for n in ev.graph.quantities if n in set(inputs)]
    common = _common_source(ev, sections)
    title = ev.spec.title + (f" (variant {ev.scenario.variant})" if ev.scenario.variant else "")
    out = [f"# {title}", "", "*Derivation report written by `calcgraph report`: every number below "
           "leads to its formula and to the YAML line its inputs came from.*", ""]
    out += ["## Summary", ""] + _summary(ev, headline)
    out += ["## Inputs", "", "Each value with the file and line (or command-line argument) it came from.",
            ""] + _inputs_table(ev, inputs)
    if sections:
        intro = "In evaluation order: each formula in symbols, the same with the values in place, the result."
        if common:
            intro += f" Formulas follow *{common}* unless a section names another source."
        out += ["## Derivation", "", intro, ""]
        for name in sections:
            out += section(ev, name, sections, headline, common)
        out += ["## Dependencies", "", "The computed quantities above (headline figures highlighted; "
                "inputs are in the [table of inputs](#inputs)).", ""] + _diagram(ev, sections, headline)
    sensitivity = sensitivity_table(ev, headline)
    if sensitivity:
        out += ["## Sensitivity", ""] + sensitivity
    out += checks_section(ev)
    expects = _expect_table(ev, sections, set(sections) | set(headline) if only else None)
    if expects:
        out += ["## Checks against the source (`expect:`)", ""] + expects
    return "\n".join(out).rstrip() + "\n"


def quantity_markdown(ev, name: str) -> str:
    """The derivation of one quantity as Markdown: its inputs, the sections it needs, its elasticities.

    >>> import calcgraph
    >>> quantity_markdown(calcgraph.load().evaluated, "param_bytes").splitlines()[0]
    '## param_bytes = 70 GB'
    """
    headline = _headline(ev, [name])
    sections = _section_names(ev, headline)
    inputs = _input_names(ev, sections) if sections else [name]
    common = _common_source(ev, sections)
    out = [f"## {name} = {value_text(ev, name)}", "", sentence(ev.graph[name].doc) + ".", ""]
    out += _inputs_table(ev, inputs)
    for name_ in sections:
        out += section(ev, name_, sections, headline, common)
    out += sensitivity_table(ev, headline)
    return "\n".join(out).rstrip() + "\n"


@dataclass(frozen=True)
class QuantityView:
    """A notebook display of one quantity's derivation (``Model.show(name)``)."""

    ev: Evaluated
    name: str

    def _repr_markdown_(self) -> str:
        return quantity_markdown(self.ev, self.name)
