"""Did-you-mean hints for unknown names, bounded so that many unknown names stay cheap."""

from __future__ import annotations

import difflib

MAX_SUGGEST_NAME = 64
MAX_SUGGEST_POOL = 5000
MAX_SUGGEST_WORK = 200_000  # names compared over the hints of one graph: a file of 20,000 typos stays cheap
_spent = [0]


def new_suggestion_budget() -> None:
    """Start a new budget of MAX_SUGGEST_WORK comparisons (each graph build starts one)."""
    _spent[0] = 0


def first_few(names: list[str], count: int) -> str:
    """The first ``count`` names, then how many more: ``a, b and 3 more``."""
    return ", ".join(names[:count]) + (f" and {len(names) - count} more" if len(names) > count else "")


def suggest(name: str, names) -> str:
    """A did-you-mean hint, or a pointer to the list of names (bounded work: long names, huge pools and
    the hints past MAX_SUGGEST_WORK comparisons since ``new_suggestion_budget`` skip it).

    >>> suggest("t_stpe", ["t_step", "batch"])
    "did you mean 't_step'?"
    """
    if len(name) <= MAX_SUGGEST_NAME and len(names) <= MAX_SUGGEST_POOL \
            and _spent[0] + len(names) <= MAX_SUGGEST_WORK:  # before copying a huge pool, or the 41st of 5,000
        _spent[0] += len(names)
        close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
        if close:
            return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return "check the spelling; `calcgraph eval` lists every name"
