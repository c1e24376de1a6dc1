"""``calcgraph check``: load and validate files without evaluating; a frozen report."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CalcgraphError, ValidationError
from .bind import bind
from .spec import load_spec


@dataclass(frozen=True)
class FileCheck:
    """The outcome of checking one file: counts of node states, or the problems."""

    path: str
    problems: tuple[str, ...]
    inputs: int = 0
    formulas: int = 0
    solves: int = 0
    pinned: int = 0
    variants: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    def __str__(self) -> str:
        if self.problems:
            head = f"FAIL {self.path}: {len(self.problems)} problem(s)"
            return head + "".join("\n  - " + p.replace("\n", "\n    ") for p in self.problems)
        variants = f", variants: {', '.join(self.variants)}" if self.variants else ""
        return (f"ok   {self.path}: {self.inputs} inputs, {self.formulas} formulas, "
                f"{self.solves} solved, {self.pinned} pinned{variants}")


def _messages(exc: CalcgraphError) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(p) for p in exc.problems]
    return [str(exc)]


def check_file(path: str) -> FileCheck:
    """Load ``path``, build and bind it (and each variant); collect every problem."""
    try:
        spec = load_spec(path)
    except CalcgraphError as exc:
        return FileCheck(path=str(path), problems=tuple(_messages(exc)))
    problems: list[str] = []
    scenario = None
    for variant in (None, *spec.variants):
        try:
            bound = bind(spec, variant)
            scenario = scenario or bound
        except CalcgraphError as exc:
            label = f"variant {variant}: " if variant else ""
            problems.extend(label + m for m in _messages(exc) if label + m not in problems)
    if scenario is None or problems:
        return FileCheck(path=spec.path, problems=tuple(problems))
    graph = scenario.graph
    return FileCheck(path=spec.path, problems=(),
                     inputs=sum(q.is_input for q in graph.quantities.values()),
                     formulas=sum(q.formula is not None for q in graph.quantities.values()),
                     solves=sum(q.solve is not None for q in graph.quantities.values()),
                     pinned=len(scenario.pinned), variants=tuple(spec.variants))


def check_files(paths) -> tuple[FileCheck, ...]:
    """Check each file; the report is read-only."""
    return tuple(check_file(p) for p in paths)
