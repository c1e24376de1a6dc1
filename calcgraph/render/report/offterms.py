"""Terms a switch at 0 multiplies away: the report shows them once, marked off, without their machinery.

``t_comm = comm_enabled * (...)`` with ``comm_enabled`` = 0 is 0 whatever the
all-reduces cost: the report keeps the section of ``t_comm`` with a line
saying so, and leaves out the sections only it needed.
"""

from __future__ import annotations

import re

from calcgraph.render.report.arithmetic import is_switch
from calcgraph.render.report.sections import deps, section_names


def is_factor(name: str, text: str) -> bool:
    """True when ``name`` multiplies the whole formula ``text`` (a product at its top level)."""
    flat, depth = "", 0
    for char in text:
        depth += (char == "(") - (char == ")")
        flat += char if depth == 0 and char not in "()" else ""
    factors = [f.strip() for f in flat.split("*")]
    return not re.search(r"[-+/]", flat) and name in factors


def switched_off(ev, sections, roots) -> tuple[dict, set]:
    """Sections a 0 switch multiplies away, each with what it alone needs; and all of those (pruned).

    A quantity is off when its value is 0 and one of its direct inputs is a switch at 0
    (``t_comm = comm_enabled * (...)``): its section stays, the machinery only it uses is left out.
    """
    off = {}
    for name in sections:
        formula = ev.graph[name].formula
        text = " ".join(formula.text.split()) if formula is not None else ""
        zero = [d for d in deps(ev, name) if is_switch(ev, d) and ev.values.get(d) == 0
                and is_factor(d, text)]
        if zero and ev.values.get(name) == 0 and name not in roots:
            off[name] = f"`{zero[0]}`"
    live: set[str] = set()
    stack = [n for n in roots if n in ev.graph]
    while stack:
        name = stack.pop()
        if name in live:
            continue
        live.add(name)
        if name not in off:
            stack += deps(ev, name)
    pruned = {n for n in sections if n not in live}
    terms = {name: (switch, [n for n in sections if n in pruned and n in section_names(ev, deps(ev, name))])
             for name, switch in off.items()}
    return {n: v for n, v in terms.items() if v[1]}, pruned
