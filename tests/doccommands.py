"""The `calcgraph` commands README.md and docs/*.md show, as steps a test (or a benchmark) can run.

In a fenced block, a line ``calcgraph ...`` or ``$ calcgraph ...`` is a command
(continued by a trailing backslash); ``$ other`` is a shell step (``mkdir``,
``cat``, ``head``, ``grep``); the lines after a command, up to the next command,
are its printed output, compared segment by segment (a line ``...`` skips any
lines). Numbers in a command's ``# comment`` (or in ``# ...`` lines right after
it) are figures the output must print. A block opened as ```` ```yaml file=PATH ````
is a file the reader writes. An inline ``calcgraph ...`` in backticks is run
and must succeed. Synopsis lines (``[SCENARIO]``, ``NAME``, ``...``) are not run.
``<!-- docs-test: long -->`` before a block marks its commands as long: they are
run by benchmarks/docs_commands.py, not by the test suite; ``<!-- docs-test: skip
REASON -->`` leaves a block out, saying why.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYNOPSIS = re.compile(r"\[|\.\.\.|\b(?:NAME|SCENARIO|FILE|CONFIG|LHS|RHS|START|STOP|VALUE|UNIT|V)\b|\w\|\w")
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.]*[a-zA-Z_/])")


@dataclass
class Step:
    """One thing the reader does: a calcgraph command, a shell step or a file written."""

    file: str
    line: int
    kind: str  # "calcgraph", "shell", "write"
    text: str
    expected: list = field(default_factory=list)  # printed lines ("..." skips any)
    figures: list = field(default_factory=list)  # numbers (as written) the output must print
    inline: bool = False
    long: bool = False
    skip: str | None = None

    @property
    def id(self) -> str:
        """The test id: the file and line of the command."""
        return f"{self.file}:{self.line}"


def _comment(line: str) -> tuple[str, str]:
    """(command, comment): a ``#`` after whitespace and outside quotes starts the comment."""
    quote = None
    for i, char in enumerate(line):
        if char in "\"'" and quote in (None, char):
            quote = None if quote else char
        elif char == "#" and quote is None and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def figures_in(text: str) -> list[str]:
    """The numbers quoted in ``text``: ``43``, ``211.7e9``, ``1,835.9`` (not parts of names or units)."""
    return [m.group(0) for m in NUMBER.finditer(text) if not re.fullmatch(r"\d+x\d+", m.group(0))]


def _block_steps(path: str, start: int, lines: list[str], marks: dict) -> list[Step]:
    steps: list[Step] = []
    current = None
    prompts = any(line.startswith("$ ") for line in lines)  # then only "$ " lines are commands
    i = 0
    while i < len(lines):
        raw = lines[i]
        number = start + i
        prompt = raw.startswith("$ ")
        body = raw[2:] if prompt else raw
        if prompt or (not prompts and re.match(r"calcgraph\s", raw)):
            text = body
            while text.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text.rstrip()[:-1].rstrip() + " " + lines[i].strip()
            command, comment = _comment(text)
            kind = "calcgraph" if re.match(r"calcgraph\s", command) else "shell"
            current = Step(path, number, kind, command, figures=figures_in(comment), **marks)
            if kind == "calcgraph" and SYNOPSIS.search(command):
                current.skip = "a synopsis, not a command"
            steps.append(current)
        elif current is not None:
            if raw.startswith("#") and not current.expected:
                current.figures += figures_in(raw)
            elif raw.strip() or current.expected:
                current.expected.append(raw.rstrip())
        i += 1
    for step in steps:
        while step.expected and not step.expected[-1]:
            step.expected.pop()
    return steps


def doc_steps(root: Path = ROOT) -> list[Step]:
    """Every step of README.md and docs/*.md, in reading order per file."""
    steps: list[Step] = []
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        if doc.name == "report-example.md":
            continue  # a report calcgraph wrote, compared whole by tests/test_report.py
        rel = doc.relative_to(root).as_posix()
        lines = doc.read_text(encoding="utf-8").splitlines()
        marks: dict = {}
        i = 0
        while i < len(lines):
            line = lines[i]
            mark = re.match(r"<!-- docs-test: (long|skip)\b\s*(.*?)\s*-->", line.strip())
            if mark:
                marks = {"long": True} if mark.group(1) == "long" else {"skip": mark.group(2) or "marked skip"}
            fence = re.match(r"^(```+)\s*(\S*)\s*(.*)$", line)
            if fence and not line.startswith("````"):
                end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(fence.group(1))),
                           len(lines))
                body = lines[i + 1:end]
                target = re.search(r"\bfile=(\S+)", fence.group(3))
                if target:
                    steps.append(Step(rel, i + 1, "write", "\n".join(body) + "\n", expected=[target.group(1)],
                                      **marks))
                elif fence.group(2) in ("", "sh", "console", "text", "bash"):
                    steps += _block_steps(rel, i + 2, body, marks)
                marks = {}
                i = end + 1
                continue
            if not line.startswith("    "):
                for match in re.finditer(r"`(calcgraph [^`]+)`", line):
                    command = match.group(1)
                    step = Step(rel, i + 1, "calcgraph", command, inline=True)
                    if SYNOPSIS.search(command):
                        step.skip = "a synopsis, not a command"
                    elif (len(command.split()) < 3 and command.split()[-1] not in ("verify", "eval", "report", "--help")
                          or len(command.split()) <= 3 and command.split()[1] in ("new", "best", "solve", "check")):
                        step.skip = "names the command (no arguments to run it with)"
                    elif re.search(r"\bmy/", command):
                        step.skip = "names a file of the walkthrough (run in its block)"
                    steps.append(step)
            i += 1
    return steps


def output_problems(expected: list[str], printed: str) -> str | None:
    """None when ``printed`` shows ``expected`` (its segments in order; ``...`` lines skip any lines)."""
    actual = [line.rstrip() for line in printed.splitlines()]
    segments, current = [], []
    for line in expected:
        if line.strip() == "..." or line.strip().startswith("...   ("):
            segments.append(current)
            current = []
        else:
            current.append(line.rstrip())
    segments.append(current)
    at = 0
    for segment in (s for s in segments if s):
        found = next((k for k in range(at, len(actual) - len(segment) + 1)
                      if actual[k:k + len(segment)] == segment), None)
        if found is None:
            return "\n".join(["the docs show:", *segment, "", "calcgraph printed:", *actual])
        at = found + len(segment)
    return None


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def figure_problems(figures: list[str], printed: str) -> list[str]:
    """Figures the comment quotes that the output does not print (to the digits written, at any SI scale)."""
    shown = [_value(t) for t in figures_in(printed.replace(" ", "\u2009").replace("\u2009", " "))]
    shown += [_value(t) for t in re.findall(r"\d+(?:\.\d+)?e[-+]?\d+", printed)]
    missing = []
    for text in figures:
        want = _value(text)
        digits = len(re.sub(r"\D", "", text.split("e")[0].split("E")[0]).lstrip("0")) or 1
        tolerance = 0.5 * 10 ** (math.floor(math.log10(abs(want))) - digits + 1) if want else 0.5
        scales = (1, 1e3, 1e6, 1e9, 1e12, 1e-3, 1e-6, 1e-9, 100, 0.01)
        if not any(abs(v * s - want) <= tolerance * 1.0001 for v in shown for s in scales):
            missing.append(text)
    return missing
