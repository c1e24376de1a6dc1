"""Errors: one base class, each kind also a matching builtin, with structured fields.

Every error knows *what* went wrong, *where* (file:line or a command-line
argument) and *what to do*; the CLI prints ``str(error)`` and exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a piece of text came from: a file and line, or a command-line argument."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Argument:
    """Text handed to a function or a command: a constraint, a setting, an axis, a name.

    The engine says *what kind* of argument was wrong; the command line words it
    as its flag (``--where``, ``--set``, ``--vary``), the API as it is.
    """

    kind: str  # constraint, setting, axis, unknown, goal, output, plot, color, file
    text: str

    def __str__(self) -> str:
        return f"{self.kind} {self.text!r}"


class CalcgraphError(Exception):
    """Base of every error calcgraph raises on purpose."""

    exit_status = 2

    def __init__(self, message: str, *, where: Location | str | None = None,
                 hint: str | None = None, **fields: object) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        for key, value in fields.items():
            setattr(self, key, value)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputFileError(CalcgraphError, FileNotFoundError):
    """A scenario, module or output file that cannot be read or written."""


class YamlError(CalcgraphError, ValueError):
    """YAML that is broken, unsafe, or not in the calcgraph format."""


class ExpressionError(CalcgraphError, SyntaxError):
    """Formula text outside the safe language, or too big to compute."""


class UnknownNameError(CalcgraphError, NameError):
    """A name that no module defines."""


class CycleError(CalcgraphError, ValueError):
    """Quantities that depend on themselves."""


class UnitError(CalcgraphError, ValueError):
    """A unit string pint does not know or we refuse to parse."""


class UnitMismatchError(CalcgraphError, TypeError):
    """A formula whose dimension differs from the unit it declares."""


class SetValueError(CalcgraphError, ValueError):
    """A bad override: `--set` text, a `set:` entry or an API call."""


class EvaluationError(CalcgraphError, ArithmeticError):
    """A division by zero or a non-finite result while computing."""


class SolveError(CalcgraphError, ValueError):
    """A solve whose question is malformed (bad input: exit 2)."""


class NoSolutionError(CalcgraphError, ArithmeticError):
    """A well-posed solve that has no answer (exit 1)."""

    exit_status = 1


class ValidationError(CalcgraphError, ValueError):
    """Several problems found at once; ``problems`` holds each one."""

    def __init__(self, problems: list[CalcgraphError]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found:"
        body = "\n".join(f"- {p}".replace("\n", "\n  ") for p in self.problems)
        super().__init__(f"{head}\n{body}")

    def __str__(self) -> str:
        return self.message
