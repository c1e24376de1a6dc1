"""Specs: what YAML files say, as frozen dataclasses, each field with the file:line it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from calcgraph.errors import Location


@dataclass(frozen=True)
class QuantitySpec:
    """One quantity as written in YAML."""

    name: str
    unit: str
    doc: str
    where: Location
    symbol: str | None = None
    source: str | None = None
    display: str | None = None
    value: object = None
    formula: str | None = None
    solve: dict | None = None
    assumes: str | None = None  # a simplification this formula makes, for the report
    lines: dict = field(default_factory=dict, compare=False)
    minimum: object = None  # min: as written (inclusive; "> X" is strict)
    maximum: object = None  # max: as written (inclusive; "< X" is strict)
    preset: str | None = None  # the preset folder (presets/KIND/) that must give a required input

    @property
    def required(self) -> bool:
        """An input with no module default: a preset or the scenario must give it."""
        return self.value is None and self.formula is None and self.solve is None

    def at(self, key: str) -> Location:
        """The file:line of one of this quantity's fields."""
        return Location(self.where.file, self.lines.get(key, self.where.line))


@dataclass(frozen=True)
class SetEntry:
    """An override: a value (or a replacement formula) for a name, and where it came from."""

    name: str
    where: Location | str
    origin: str
    value: object = None
    formula: str | None = None
    source: str | None = None
    note: str | None = None
    kind: str | None = None  # the preset folder (presets/KIND/) of the file that set it
    doc: str | None = None  # what a replacement formula means, when it means more than the one it replaces


@dataclass(frozen=True)
class CheckSpec:
    """A feasibility check a module declares: a constraint that should hold, and what it means."""

    constraint: str
    message: str
    where: Location
    holds: str = ""  # what is true when the check passes (the report's pass row); message: when it fails


@dataclass(frozen=True)
class ExpectSpec:
    """A figure a source text prints, to compare with what calcgraph computes."""

    name: str
    printed: object
    where: Location
    tolerance: float | None = None
    reason: str | None = None
    variant: str | None = None
    exact: object = None
    note: str | None = None


@dataclass(frozen=True)
class ScenarioSpec:
    """Everything a scenario file and the files it uses say, in declaration order."""

    path: str
    title: str
    quantities: tuple[QuantitySpec, ...]
    sets: tuple[SetEntry, ...]
    where: Location
    doc: str = ""
    report: tuple[str, ...] = ()
    variants: dict = field(default_factory=dict)
    expects: tuple[ExpectSpec, ...] = ()
    titles: tuple = ()  # (path, title or None) of every file read, in reading order
    assumes: tuple = ()  # (path, text) of every file that says what it assumes
    checks: tuple[CheckSpec, ...] = ()
    replaces: dict = field(default_factory=dict)  # variant -> preset kinds its use: replaces
    dropped: tuple = ()  # settings of an extended scenario's presets that this scenario's use: replaced
