"""Errors: one base class, each kind also a matching builtin, with structured fields: what, where, what to do.

Records are named tuples, not dataclasses: ``--help`` imports this module, and dataclasses would be most of it.
"""

from __future__ import annotations

from collections import namedtuple


class Location(namedtuple("Location", ["file", "line"], defaults=(None,))):
    """Where a piece of text came from: a file and line (``file: str``, ``line: int | None``).

    >>> str(Location("formulas/model.yaml", 5)), str(Location("--set batch=64"))
    ('formulas/model.yaml:5', '--set batch=64')
    """

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class Argument(namedtuple("Argument", ["kind", "text"])):
    """Text handed to a function or a command, and its ``kind`` (constraint, setting, ...): the CLI names its flag."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.kind} {self.text!r}"


class CalcgraphError(Exception):
    """Base of every error calcgraph raises on purpose; ``str()`` is the message the command line prints.

    Fields: ``message`` (what), ``where`` (file:line, or the argument), ``hint`` (what to do), and when they
    apply ``quantity``, ``name`` (an unknown name), ``expected`` and ``got`` (what differs), ``cycle``.
    """

    exit_status = 2

    def __init__(self, message: str, *, where: Location | Argument | str | None = None,
                 hint: str | None = None, quantity: str | None = None, name: str | None = None,
                 expected: str | None = None, got: str | None = None,
                 cycle: tuple[str, ...] | list[str] | None = None) -> None:
        self.message, self.where, self.hint = message, where, hint
        self.quantity, self.name, self.expected, self.got = quantity, name, expected, got
        self.cycle = tuple(cycle) if cycle is not None else None
        super().__init__(self.__str__())

    def rewrap(self, message: str | None = None, **changes) -> CalcgraphError:
        """The same kind of error with some fields changed and every other field kept.

        >>> e = UnitMismatchError("gives B", quantity="x", expected="[time]", got="[information]")
        >>> w = e.rewrap("formula of 'x': gives B", where="f.yaml:3")
        >>> (type(w).__name__, w.quantity, w.expected, str(w.where))
        ('UnitMismatchError', 'x', '[time]', 'f.yaml:3')
        """
        fields = {k: getattr(self, k) for k in ("where", "hint", "quantity", "name", "expected", "got", "cycle")}
        return type(self)(self.message if message is None else message, **(fields | changes))

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
    """A well-posed solve that has no answer (exit 1); ``reason`` says why in a few words."""

    exit_status = 1
    reason = "no value satisfies the constraints"


class ValidationError(CalcgraphError, ValueError):
    """Several problems found at once; ``problems`` holds each one."""

    def __init__(self, problems: list[CalcgraphError]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found:"
        body = "\n".join(f"- {p}".replace("\n", "\n  ") for p in self.problems)
        super().__init__(f"{head}\n{body}")

    def rewrap(self, message: str | None = None, **changes) -> ValidationError:
        """Each problem rewrapped with ``changes``."""
        return ValidationError([p.rewrap(**changes) for p in self.problems])

    def __str__(self) -> str:
        return self.message


def raise_all(problems: list[CalcgraphError], collect: list | None = None) -> None:
    """Add ``problems`` to ``collect`` if given; else raise the only one, or all as a ValidationError."""
    if collect is not None:
        collect.extend(problems)
    elif problems:
        raise problems[0] if len(problems) == 1 else ValidationError(problems)
