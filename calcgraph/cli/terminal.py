"""Every write to stdout and stderr shows control characters (C0 but newline and tab, DEL, C1) escaped.

A title, doc or message read from YAML may hold terminal escape sequences (``ESC [ 2 J`` clears the
screen); calcgraph's own output holds none, so it passes unchanged.
"""

from __future__ import annotations

import re

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """``text`` with every control character but newline and tab written as an escape.

    >>> escape_controls("bad \\x1b[31mred\\x1b[0m, \\u009b2J\\tok\\n")
    'bad \\\\x1b[31mred\\\\x1b[0m, \\\\u009b2J\\tok\\n'
    """
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if m.group() < "\x80" else f"\\u{ord(m.group()):04x}", text)


class Escaping:
    """A text stream whose writes pass through ``escape_controls``; everything else is the stream's."""

    def __init__(self, stream) -> None:
        self.terminal_stream = stream  # the stream itself, for the progress bar's carriage returns

    def write(self, text: str) -> int:
        return self.terminal_stream.write(escape_controls(text))

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self.terminal_stream, name)
