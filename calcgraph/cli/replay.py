"""``solve`` and ``best`` replayed from the cache: a command that ran before prints what it printed then.

A solve or best prints a symbolic derivation (closed forms, formulas with the
values in place), which needs sympy: it cannot be computed from the compiled
graph. What can be answered without sympy, pint or networkx is the *same*
command again. After a normal run that ended with exit status 0 or 1 (no
answer, none feasible), the entry holds everything written to stdout and
stderr, in order, and the status; it is keyed by the command's arguments in
order (``--debug`` aside), the scenario argument as the loader resolves it,
the working directory, the calcgraph version and code and Python
(``cachestore.entry_name``), and valid while every file the loader read is
unchanged. An error (exit 2), an interrupt, a stdout that could not be written
(a closed pipe) or a ``--debug`` run that did not end with status 0 is never
stored; ``--no-cache`` neither reads nor writes. Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable

from ..core import cachestore
from ..core.version import VERSION
from .cached import _scenario

COMMANDS = ("solve", "best")
STORED = (0, 1)  # an answer, or none (NoSolutionError): the run's own outcome, not an error
MAX_TEXT = 16 * 1024 * 1024  # characters recorded at most; a longer output is not stored


def replay_key(args, words: list[str]) -> str | None:
    """The entry name of this exact command: its arguments in order and the scenario the loader reads."""
    return cachestore.entry_name("replay", VERSION, _scenario(args.scenario), json.dumps(words))


class _Recording:
    """A text stream that writes through to ``stream`` and keeps each write (and flush) in ``events``."""

    def __init__(self, stream, index: int, events: list, state: dict) -> None:
        self._stream, self._index, self._events, self._state = stream, index, events, state

    def write(self, text: str) -> int:
        """Write ``text`` through; remember it, or that writing failed."""
        try:
            written = self._stream.write(text)
        except BaseException:
            self._state["broken"] = True
            raise
        self._state["size"] += len(text)
        self._events.append([self._index, text])
        return written

    def flush(self) -> None:
        """Flush through; remember the flush (a replay flushes at the same point), or that it failed."""
        try:
            self._stream.flush()
        except BaseException:
            self._state["broken"] = True
            raise
        self._events.append([self._index, None])

    def writelines(self, lines) -> None:
        """Each line as one write."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _valid(entry, debug: bool) -> bool:
    """An entry of the shape ``remember`` writes (a ``--debug`` run replays only a status-0 answer)."""
    if not isinstance(entry, dict) or entry.get("status") not in STORED or not isinstance(entry.get("events"), list):
        return False
    if debug and entry["status"] != 0:
        return False  # the normal path would add a traceback to the message
    return all(isinstance(e, list) and len(e) == 2 and e[0] in (1, 2) and (e[1] is None or isinstance(e[1], str))
               for e in entry["events"])


def replay(entry: dict) -> int:
    """Write the stored events to stdout and stderr in order; the stored exit status."""
    streams = {1: sys.stdout, 2: sys.stderr}
    for index, text in entry["events"]:
        if text is None:
            streams[index].flush()
        else:
            streams[index].write(text)
    return entry["status"]


def recorded(args, words: list[str], run: Callable[[], int]) -> int:
    """Run ``run`` (the command, with main's error handling): from the entry of ``words`` if there is a
    valid one (``args.replayed``, which ``_from_cache`` prints), else the normal way, recording what it
    prints and storing it when the run ended normally with status 0 or 1."""
    key = replay_key(args, words)
    entry = cachestore.load(key)
    if _valid(entry, args.debug):
        args.replayed = entry
        return run()
    events: list = []
    state = {"broken": False, "size": 0}
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Recording(saved[0], 1, events, state), _Recording(saved[1], 2, events, state)
    try:
        status = run()
    finally:
        sys.stdout, sys.stderr = saved
    files = getattr(args, "files_read", None)
    if status in STORED and files and not state["broken"] and state["size"] <= MAX_TEXT \
            and (status == 0 or not args.debug):
        try:
            saved[0].flush()  # what was printed reached its reader: a closed pipe is no answer to store
        except (OSError, ValueError):
            return status
        cachestore.save(key, {"status": status, "events": events}, [os.path.abspath(f) for f in files])
    return status
