"""``calcgraph report``: a Markdown derivation in which every number leads to its formula and YAML line,
rendered on GitHub and deterministic, so reports can be diffed."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from calcgraph.core.graph import default_symbol
from calcgraph.core.names import suggest
from calcgraph.engine.evaluated import Evaluated
from calcgraph.engine.expect import compare
from calcgraph.errors import Argument, UnknownNameError
from calcgraph.render.diagram import topic_diagrams
from calcgraph.render.latex import value_text
from calcgraph.render.mdtext import md_text, sentence
from calcgraph.render.report.answer import answer_lines
from calcgraph.render.report.arithmetic import factors, is_switch
from calcgraph.render.report.assumptions import assumptions_section
from calcgraph.render.report.limits import check_rows, checks_table, failed_note, failed_text
from calcgraph.render.report.sections import (
    deps,
    input_names,
    is_trivial,
    link,
    linker,
    reachable,
    section,
    section_names,
    symbol_of,
)
from calcgraph.render.report.sensitivity import sensitivity_table, top_drivers
from calcgraph.render.report.verify import render_rows

_KINDS = {"models": "Model", "chips": "Chip", "dtypes": "Precision", "formulas": "Formulas"}
_WORKLOAD = ("chips", "batch", "seq_len", "prefill_len", "gen_len")
ANSWERED = ("max_batch", "b_crit", "t_step", "ttft", "tpot", "throughput", "cost_per_million_tokens")


def _origin(bound) -> str:
    where = str(bound.where)
    if where.startswith(bound.origin):
        return f"`{where}`"
    return ("module default" if bound.origin == "default" else bound.origin) + f" `{where}`"


def _headline(ev, only) -> list[str]:
    if only:
        names = list(dict.fromkeys(only))
        for name in names:
            if name not in ev.graph:
                raise UnknownNameError(f"no quantity named {name!r}", where=Argument("output", name),
                                       hint=suggest(name, ev.graph.quantities), name=name)
        return names
    return list(ev.spec.report) or [n for n in ev.graph.quantities if not ev.graph[n].is_input]


def _common_source(ev, sections) -> str | None:
    sources = Counter(ev.graph[n].source for n in sections if ev.graph[n].source)
    return sources.most_common(1)[0][0] if sources else None


def switched_off(ev, sections, roots) -> tuple[dict, set]:
    """Sections a switch at 0 multiplies away (``t_comm = comm_enabled * (...)``), each with the sections
    only it needs; and all of those (pruned): the off section stays, its machinery is left out."""
    off = {}
    for name in sections:
        formula = ev.graph[name].formula
        named = {f.id for f in factors(formula.tree) if isinstance(f, ast.Name)} if formula is not None else set()
        zero = [d for d in deps(ev, name) if is_switch(ev, d) and ev.values.get(d) == 0 and d in named]
        if zero and ev.values.get(name) == 0 and name not in roots:
            off[name] = f"`{zero[0]}`"
    live = reachable([n for n in roots if n in ev.graph], lambda n: [] if n in off else deps(ev, n))
    pruned = {n for n in sections if n not in live}
    terms = {name: (switch, [n for n in sections if n in pruned and n in section_names(ev, deps(ev, name))])
             for name, switch in off.items()}
    return {n: v for n, v in terms.items() if v[1]}, pruned


def _workload(ev, inputs) -> list[str]:
    parts = [f"`{n}` = {value_text(ev, n)}" + (" (module default)" if ev.scenario.bound[n].origin == "default" else "")
             for n in _WORKLOAD if n in inputs]
    return ["- **Workload and slice**: " + ", ".join(parts)] if parts else []


def _files(ev) -> list[str]:
    variant = ev.scenario.variant
    replaced = {e.name for e in ev.spec.variants.get(variant, ())} if variant else set()
    grouped: dict[str, list] = {}
    for path, title in ev.spec.titles[1:]:
        kind = next((label for part, label in _KINDS.items() if part in Path(path).parts), "Uses")
        grouped.setdefault(kind, []).append((path, title))
    out = []
    for kind, files in grouped.items():
        path, title = files[0]
        more = "".join(f", `{Path(p).name}`" for p, _ in files[1:])
        line = f"- **{kind}**: {md_text(title) + ' ' if title else ''}(`{path}`{more})"
        mine = sorted({e.name for e in ev.spec.sets if str(e.where).startswith(path)} & replaced)
        if mine:
            line += f", **replaced by variant {md_text(variant)}** for " + ", ".join(f"`{n}`" for n in mine)
        out.append(line)
    return out


def _summary(ev, headline, inputs, rows) -> list[str]:
    spec, scenario = ev.spec, ev.scenario
    out = [md_text(spec.doc), ""] if spec.doc.strip() else []
    out.append(f"- **Scenario**: `{spec.path}`" + (f", variant **{md_text(scenario.variant)}**"
                                                  if scenario.variant else ""))
    if scenario.variant:
        given = ", ".join(f"`{e.name}` = {md_text(e.value if e.formula is None else e.formula)}"
                          for e in spec.variants.get(scenario.variant, ()))
        out.append(f"- **Variant {md_text(scenario.variant)}** sets: {given}")
    out += _files(ev) + _workload(ev, inputs) + [f"- **Override**: `{entry.where}`" for entry in scenario.entries]
    if scenario.pinned:
        out.append("- **Pinned** (typed over their formulas): " + ", ".join(link(n) for n in scenario.pinned))
    failed = [r for r in rows if not r.holds]
    if rows:
        verdict = f"**{len(failed)} of {len(rows)} fail**: {failed_text(rows)}" if failed else f"all {len(rows)} pass"
        out.append(f"- **[Checks](#checks)**: {verdict}")
    out += ["", "| headline | value | meaning |", "|---|---:|---|"]
    for name in headline:
        target = name if not ev.graph[name].is_input and not is_trivial(ev, name) else "inputs"
        flag = failed_note(rows, name)
        meaning = md_text(ev.graph[name].doc) + (f" {flag}" if flag else "")
        out.append(f"| {link(name, target)} | {value_text(ev, name)} | {meaning} |")
    return out + [""]


def _named(ev, name: str) -> str:
    plain = ev.graph[name].symbol == default_symbol(name)
    return f"`{name}`" + ("" if plain else f" ${symbol_of(ev, name)}$")


def _inputs_table(ev, names, renamed=()) -> list[str]:
    """One line per input (a list, not a table: it never scrolls sideways at GitHub's width)."""
    out = []
    for name in names:
        bound = ev.scenario.bound[name]
        origin = ("**pinned** " if bound.pinned else "") + _origin(bound)
        meaning = md_text(ev.graph[name].doc) + (f" ({md_text(bound.note)})" if bound.note else "")
        out.append(f"- {_named(ev, name)} = **{value_text(ev, name)}**, {origin}: {meaning}")
    for name in renamed:
        quantity = ev.graph[name]
        formula = " ".join(quantity.formula.text.split()).replace("`", "")
        out.append(f"- {_named(ev, name)} = **{value_text(ev, name)}**, `{name} = {formula}` at "
                   f"`{quantity.formula_where}`: {md_text(quantity.doc)}")
    return out + [""]


def _diagrams(ev, sections, headline) -> list[str]:
    diagrams = topic_diagrams(ev, sections, headline, lambda n: f"{n}<br/>{value_text(ev, n)}", deps)
    return [line for title, lines in diagrams for line in [f"**{title}**", "", *lines, ""]]


def _expect_table(ev, sections, limit=None) -> list[str]:
    rows = [r for r in compare(ev) if limit is None or r.name in limit]
    return render_rows(rows, linker(sections), variants=False).splitlines() + [""] if rows else []


def _once(name: str, lines: list[str], seen: dict) -> list[str]:
    """A section's lines with a source already named by an earlier section shortened to a link to it."""
    out = []
    for line in lines:
        head, found, source = line.partition(" Source: ")
        if found:
            if source in seen:
                line = f"{head} Source: as in {link(seen[source])}."
            seen.setdefault(source, name)
        out.append(line)
    return out


def _derivation(ev, sections, common, rows, off) -> list[str]:
    """Each section, a failed check flagged under its heading, a switched-off term's note after it."""
    out: list[str] = []
    sources: dict[str, str] = {}
    for name in sections:
        part = _once(name, section(ev, name, sections, common), sources)
        flag = failed_note(rows, name)
        out += part[:2] + ([flag, ""] if flag else []) + part[2:]
        if name in off:
            switch, terms = off[name]
            out += [f"Off: {switch} = 0 multiplies this term away, so the quantities only it uses are not derived "
                    f"here ({', '.join(f'`{n}`' for n in terms)}).", ""]
    return out


def _part(title: str, lines: list[str], intro: str = "") -> list[str]:
    """A ``## title`` section: the intro paragraph, if any, then ``lines``; nothing when ``lines`` says nothing."""
    if not any(lines):
        return []
    return [f"## {title}", ""] + ([intro, ""] if intro else []) + lines


def render_report(ev, only=None, brief: bool = False, full: bool = False) -> str:
    """The whole derivation report of ``ev`` as Markdown (``only``: the quantities to report).

    ``brief``: answer, summary, assumptions and checks only (one or two screens); ``full``: the whole
    elasticity matrix instead of each figure's top drivers.

    >>> import calcgraph
    >>> text = render_report(calcgraph.load().evaluated, only=["param_bytes"])
    >>> "### param_bytes" in text and "### t_step" not in text
    True
    """
    headline = _headline(ev, only)
    expected = [e.name for e in ev.spec.expects if e.variant == ev.scenario.variant and e.name in ev.graph]
    answered = [n for n in ANSWERED if n in ev.graph and not only]
    shown_names = headline if only or brief else list(dict.fromkeys(headline + expected))
    needed = section_names(ev, shown_names)
    sections = [n for n in needed if n in headline or not is_trivial(ev, n)]
    renamed = [n for n in needed if n not in sections]
    off, pruned = switched_off(ev, sections, shown_names)
    sections = [n for n in sections if n not in pruned]
    first = [n for n in dict.fromkeys(headline + answered) if n in sections]
    sections = [] if brief else first + [n for n in sections if n not in first]  # the figures, then machinery
    inputs = input_names(ev, needed) + [n for n in headline if ev.graph[n].is_input and n not in needed]
    inputs = [n for n in ev.graph.quantities if n in set(inputs)]
    rows = check_rows(ev, set(needed) | set(headline))
    common = _common_source(ev, sections)
    title = md_text(ev.spec.title) + (f" (variant {md_text(ev.scenario.variant)})" if ev.scenario.variant else "")
    out = [f"# {title}", "", "*Derivation report written by `calcgraph report`: every number below "
           "leads to its formula and to the YAML line its inputs came from.*", ""]
    out += _part("Answer", answer_lines(ev, linker(sections)) + [""])
    out += _part("Summary", _summary(ev, headline, inputs, rows))
    out += _part("Assumptions", assumptions_section(ev, inputs, needed, rows, sections) + [""], "The switches and "
                 "efficiencies in force and what the formulas leave out, each with the quantities it affects.")
    out += _part("Checks", checks_table(rows) if rows else [], "Limits the scenario must respect, at its values: "
                 "what holds when a check passes, what to change when it fails.")
    if brief:
        return "\n".join(out + ["*`--brief`: the inputs and the derivation of every figure are in `calcgraph report` "
                                "without it.*"]) + "\n"
    out += _part("Inputs", _inputs_table(ev, inputs, renamed), "Each value with the file and line (or command-line "
                 "argument) it came from" + ("; below them the renames and unit conversions, with their formulas."
                                             if renamed else "."))
    intro = ("The reported figures first, then what they are computed from in evaluation order: each formula in "
             "symbols, the same with the values in place, the result.")
    if common:
        intro += f" Formulas follow *{md_text(common)}* unless a section names another source."
    out += _part("Derivation", _derivation(ev, sections, common, rows, off), intro)
    out += _part("Dependencies", _diagrams(ev, needed, headline) if sections else [], "What each headline figure "
                 "(highlighted) is computed from, one diagram per topic, nearest quantities first.")
    out += _part("Sensitivity", sensitivity_table(ev, headline) if full else top_drivers(ev, headline))
    out += _part("Comparison with the source (`expect:`)",
                 _expect_table(ev, sections, set(needed) | set(headline) if only else None))
    return "\n".join(out).rstrip() + "\n"


def quantity_markdown(ev, name: str) -> str:
    """The derivation of one quantity as Markdown: its inputs, the sections it needs, its elasticities.

    >>> import calcgraph
    >>> quantity_markdown(calcgraph.load().evaluated, "param_bytes").splitlines()[0]
    '## param_bytes = 70 GB'
    """
    headline = _headline(ev, [name])
    sections = section_names(ev, headline)
    inputs = input_names(ev, sections) if sections else [name]
    common = _common_source(ev, sections)
    out = [f"## {name} = {value_text(ev, name)}", "", sentence(ev.graph[name].doc) + ".", ""]
    out += _inputs_table(ev, inputs) + [line for n in sections for line in section(ev, n, sections, common)]
    out += sensitivity_table(ev, headline)
    return "\n".join(out).rstrip() + "\n"


@dataclass(frozen=True)
class QuantityView:
    """A notebook display of one quantity's derivation (``Model.show(name)``)."""

    ev: Evaluated
    name: str

    def _repr_markdown_(self) -> str:
        return quantity_markdown(self.ev, self.name)
