"""The dependency graph as text: mermaid (renders on GitHub) or Graphviz dot."""

from __future__ import annotations


def _nodes(ev, only):
    if not only:
        return list(ev.graph.order)
    keep = set(only)
    for name in only:
        keep |= set(ev.graph.ancestors(name))
    return [n for n in ev.graph.order if n in keep]


def graph_text(ev, fmt: str = "mermaid", only=None) -> str:
    """Edges between quantities, inputs drawn differently from formulas.

    >>> import calcgraph
    >>> graph_text(calcgraph.load().evaluated, "mermaid", only=["param_bytes"]).splitlines()[0]
    'flowchart LR'
    """
    names = _nodes(ev, only)
    edges = [(a, b) for a, b in ev.graph.dag.edges if a in names and b in names]
    edges.sort(key=lambda e: (names.index(e[1]), names.index(e[0])))
    if fmt == "dot":
        lines = ["digraph calcgraph {", "  rankdir=LR;"]
        for name in names:
            shape = "box" if ev.graph[name].is_input else "ellipse"
            lines.append(f'  "{name}" [shape={shape}];')
        lines += [f'  "{a}" -> "{b}";' for a, b in edges]
        return "\n".join(lines + ["}"]) + "\n"
    lines = ["flowchart LR"]
    for name in names:
        lines.append(f"  {name}[{name}]" if ev.graph[name].is_input else f"  {name}({name})")
    lines += [f"  {a} --> {b}" for a, b in edges]
    return "\n".join(lines) + "\n"
