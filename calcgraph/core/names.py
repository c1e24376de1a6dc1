"""Did-you-mean hints for unknown names, bounded so that many unknown names stay cheap."""

from __future__ import annotations

import difflib


def suggest(name: str, names) -> str:
    """A did-you-mean hint, or a pointer to the list of names."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return "check the spelling; `calcgraph eval` lists every name"

