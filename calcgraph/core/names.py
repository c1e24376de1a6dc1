"""Did-you-mean hints for unknown names, bounded so that many unknown names stay cheap."""

from __future__ import annotations

import difflib

MAX_SUGGEST_NAME = 64
MAX_SUGGEST_POOL = 5000


def suggest(name: str, names) -> str:
    """A did-you-mean hint, or a pointer to the list of names (bounded work: long names and huge pools skip it).

    >>> suggest("t_stpe", ["t_step", "batch"])
    "did you mean 't_step'?"
    """
    pool = list(names)
    if len(name) > MAX_SUGGEST_NAME or len(pool) > MAX_SUGGEST_POOL:
        return "check the spelling; `calcgraph eval` lists every name"
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return "check the spelling; `calcgraph eval` lists every name"
