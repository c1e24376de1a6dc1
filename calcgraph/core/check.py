"""``calcgraph check``: load, build and bind files (and each variant) without evaluating; every problem at once.
A formula module or a preset is checked on its own: the required inputs it leaves to others are a note."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from calcgraph.core.bind import MissingInputsError, bind
from calcgraph.core.fallback import fallen_back
from calcgraph.core.names import first_few
from calcgraph.core.spec.load import load_spec
from calcgraph.core.spec.parts import preset_kind
from calcgraph.errors import CalcgraphError, ValidationError


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
    left: tuple[str, ...] = ()  # required inputs a module or preset leaves to others (a note)
    kind: str | None = None  # the preset kind of a preset file (its folder, or the fields it sets)
    fallbacks: tuple[str, ...] = ()  # values a replaced preset set that fall back to module defaults

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    def __str__(self) -> str:
        if self.problems:
            head = f"FAIL {self.path}: {len(self.problems)} problem(s)"
            return head + "".join("\n  - " + p.replace("\n", "\n    ") for p in self.problems)
        variants = f", variants: {', '.join(self.variants)}" if self.variants else ""
        note = ""
        if self.left:
            what = f"a {self.kind} preset, complete," if self.kind else "a module or preset"
            note = (f"\n     note: {what} on its own: {len(self.left)} required inputs "
                    f"left to other presets ({first_few(self.left, 8)})")
        note += "".join(f"\n     warning: {w}" for w in self.fallbacks)
        return (f"ok   {self.path}: {self.inputs} inputs, {self.formulas} formulas, "
                f"{self.solves} solved, {self.pinned} pinned{variants}{note}")


def _flat(problems) -> list[CalcgraphError]:
    return [q for p in problems for q in (_flat(p.problems) if isinstance(p, ValidationError) else [p])]


def _kind_of(spec, fields: dict) -> str | None:
    """The preset kind of ``spec``: its folder under presets/, else (a file with no report:, variants: or
    expect:) the one kind of preset whose ``fields`` (name -> kind) are most of its own settings."""
    kind = preset_kind(Path(spec.path))
    if kind is not None or spec.report or spec.variants or spec.expects:
        return kind
    own = [fields.get(e.name) for e in spec.sets if str(getattr(e.where, "file", "")) == spec.path]
    kinds = {k for k in own if k}
    return kinds.pop() if len(kinds) == 1 and 2 * sum(map(bool, own)) >= len(own) else None


def check_file(path: str) -> FileCheck:
    """Load ``path``, build and bind it (and each variant); collect every problem in one pass."""
    found: list = []
    try:
        spec = load_spec(path, problems=found)
    except CalcgraphError as exc:
        return FileCheck(path=str(path), problems=tuple(str(p) for p in _flat([exc])))
    problems = [str(p) for p in _flat(found)]
    seen = set(problems)  # each problem once, however many variants find it
    fields = {q.name: q.preset for q in spec.quantities}
    kind, scenario, left = _kind_of(spec, fields), None, ()
    own_sets = any(str(getattr(e.where, "file", "")) == spec.path for e in spec.sets)
    part = (kind is not None or any(q.where.file == spec.path for q in spec.quantities)  # a formula module or a
            or not (own_sets or spec.report or spec.variants or spec.expects))  # preset, or only bundles modules
    for variant in (None, *spec.variants):
        collected: list = []
        try:
            bound = bind(spec, variant, problems=collected)
            scenario = scenario or bound
        except CalcgraphError as exc:
            collected.append(exc)
        label = f"variant {variant}: " if variant else ""
        for problem in _flat(collected):
            if isinstance(problem, MissingInputsError) and part:
                given = {e.name for e in spec.sets}  # a field set to a bad value has its own problem
                own = [n for n in problem.missing if kind and fields.get(n) == kind and n not in given]
                left = tuple(n for n in problem.missing if n not in own)
                if not own:
                    continue
                problem = MissingInputsError(f"this {kind} preset lacks {len(own)} of the fields a {kind} "
                                             f"preset must give: {', '.join(own)}",
                                             hint="add them to its set: (docs/presets.md lists the fields)")
            text = label + str(problem)
            if str(problem) not in seen and text not in seen:
                problems.append(text)
                seen.add(text)
    if scenario is None or problems:
        return FileCheck(path=spec.path, problems=tuple(problems))
    quantities = scenario.graph.quantities.values()
    return FileCheck(path=spec.path, problems=(), inputs=sum(q.is_input for q in quantities),
                     formulas=sum(q.formula is not None for q in quantities),
                     solves=sum(q.solve is not None for q in quantities),
                     pinned=len(scenario.pinned), variants=tuple(spec.variants), left=left,
                     kind=kind, fallbacks=() if part else tuple(dict.fromkeys(
                         w for v in (None, *spec.variants) for w in fallen_back(spec, v))))


def check_files(paths) -> tuple[FileCheck, ...]:
    """Check each file."""
    return tuple(check_file(p) for p in paths)
