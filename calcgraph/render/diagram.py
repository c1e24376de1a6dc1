"""The dependency graph as text: mermaid (renders on GitHub) or Graphviz dot."""

from __future__ import annotations

from pathlib import Path


def graph_text(ev, fmt: str = "mermaid", only=None) -> str:
    """Edges between quantities, inputs drawn differently from formulas.

    >>> import calcgraph
    >>> graph_text(calcgraph.load().evaluated, "mermaid", only=["param_bytes"]).splitlines()[0]
    'flowchart LR'
    """
    keep = set(only or ()).union(*(ev.graph.ancestors(name) for name in only or ()))  # only: with what it uses
    names = [n for n in ev.graph.order if not only or n in keep]
    edges = [(a, b) for a, b in ev.graph.dag.edges if a in names and b in names]
    edges.sort(key=lambda e: (names.index(e[1]), names.index(e[0])))
    given = {n for n in names if ev.graph[n].is_input or n in ev.scenario.pinned}  # a pin is drawn as a value
    head, value, formula, edge, tail = _STYLES[fmt == "dot"]
    lines = head + [(value if name in given else formula).format(name) for name in names]
    return "\n".join(lines + [edge.format(a, b) for a, b in edges] + tail) + "\n"


_STYLES = ((["flowchart LR"], "  {0}[{0}]", "  {0}({0})", "  {0} --> {1}", []),   # mermaid, then dot
           (["digraph calcgraph {", "  rankdir=LR;"], '  "{0}" [shape=box];', '  "{0}" [shape=ellipse];',
            '  "{0}" -> "{1}";', ["}"]))


_TOPICS = (("Memory", ("memory", "reserve", "model", "attention", "moe", "quant", "architectures")),
           ("Step time and latency", ("roofline", "prefill", "load", "workload")),
           ("Parallelism and communication", ("parallelism", "collectives", "layout", "hardware")),
           ("Cost", ("cost",)))
MAX_NODES = 12


def _topic(ev, name: str) -> str:
    stem = Path(str(ev.graph[name].where.file)).stem
    return next((title for title, stems in _TOPICS if stem in stems), "Other")


def _nearest(ev, roots, allowed, deps) -> list[str]:
    """Up to MAX_NODES quantities: the roots, then what they use, nearest first (all connected)."""
    keep, queue = [], list(roots)
    while queue and len(keep) < MAX_NODES:
        name = queue.pop(0)
        if name in keep:
            continue
        keep.append(name)
        queue += [d for d in deps(ev, name) if d in allowed and d not in keep]
    return keep


def topic_diagrams(ev, sections, headline, label, deps) -> list[tuple[str, list[str]]]:
    """One small mermaid diagram per topic: its headline quantities and the nearest ones they use, at most
    MAX_NODES nodes, all connected; ``label(name)`` is a node's text, ``deps(ev, name)`` what it uses."""
    allowed = set(sections)
    roots: dict[str, list[str]] = {}
    for name in headline:
        if name in allowed:
            roots.setdefault(_topic(ev, name), []).append(name)
    out = []
    for title in [t for t in [*(t for t, _ in _TOPICS), "Other"] if t in roots]:
        nodes = _nearest(ev, roots[title], allowed, deps)
        edges = [(d, n) for n in nodes for d in deps(ev, n) if d in nodes]
        for name in [n for n in nodes if not any(n in edge for edge in edges)]:
            room = MAX_NODES - len(nodes)
            used = [d for d in deps(ev, name) if d not in nodes][:min(2, room)]
            if not used:  # no room left to connect it: it stays in its own section only
                nodes.remove(name)
            edges += [(d, name) for d in used]
            nodes += used
        if not edges:
            continue
        lines = ["```mermaid", "flowchart TD"]
        lines += [f'  q_{n}["{label(n)}"]' for n in nodes]
        lines += [f"  q_{a} --> q_{b}" for a, b in edges]
        marked = ",".join(f"q_{n}" for n in nodes if n in headline)
        if marked:
            lines += ["  classDef headline fill:#fff3c4,stroke:#b58900", f"  class {marked} headline"]
        lines.append("```")
        out.append((title, lines))
    return out
