"""YAML files -> specs, every field with its file:line (docs/conventions.md); ``use:`` paths are relative to
the including file, a file used twice is read once."""

from __future__ import annotations

import difflib
import os
from collections import namedtuple
from functools import lru_cache
from pathlib import Path

from calcgraph.core.fallback import file_of, replace_extended_presets
from calcgraph.core.files import project_path
from calcgraph.core.names import MAX_SUGGEST_NAME, suggest
from calcgraph.core.spec import parts
from calcgraph.core.spec.types import QuantitySpec, ScenarioSpec, SetEntry
from calcgraph.core.spec.yamlload import LineDict, load_file
from calcgraph.errors import CalcgraphError, InputFileError, Location, YamlError, raise_all

FILE_KEYS = {"title", "doc", "source", "assumes", "use", "quantities", "set", "report", "variants", "expect",
             "checks", "units", "extends"}
SCENARIO_ONLY = {"report", "variants", "expect", "extends"}
DEFAULT_SCENARIO = Path("scenarios") / "llama3-70b-tpu-v5e.yaml"
MAX_PARTS = 4096  # files remembered per process; a full table is cleared


def display_path(path: Path) -> str:
    """A short path for messages: relative to the working directory when inside it."""
    return _display_path(str(path), os.getcwd())


@lru_cache(maxsize=4096)
def _display_path(path: str, cwd: str) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


# What one clean file adds to a scenario: kept per parsed file (a changed file parses anew).
_Part = namedtuple("_Part", "data shown uses use_where title assumes quantities checks sets")

_PARTS: dict = {}


class _Collector:
    """Walks the `use` tree once, collecting specs and problems."""

    def __init__(self) -> None:
        self.problems: list[CalcgraphError] = []
        self.seen: set[Path] = set()
        self.titles, self.assumes = [], []  # (path, title) and (path, assumes: text) of each file read
        self.quantities: dict[str, QuantitySpec] = {}
        self.sets: list[SetEntry] = []
        self.checks: list = []
        self.parents: list = []  # (path, data, first and last index of its settings) of each extended scenario

    def problem(self, message: str, where, hint: str | None = None, kind=YamlError) -> None:
        self.problems.append(kind(message, where=where, hint=hint))

    def read(self, path: Path, top: bool, used_from: Location | None = None):
        info, identity = parts.file_identity(path)
        if identity in self.seen:
            return None
        self.seen.add(identity)
        shown = display_path(path)
        try:
            data = load_file(path, info)
        except InputFileError as exc:
            missing = exc.message.startswith("no such file")
            self.problems.append(exc if used_from is None else InputFileError(
                f"used file not found: {shown}" if missing else f"used file {exc.message}", where=used_from,
                hint="use: paths are relative to the file that uses them" if missing else exc.hint))
            return None
        except CalcgraphError as exc:
            self.problems.append(exc)
            return None
        part = _PARTS.get((id(data), shown, top))
        if part is not None and part.data is data and getattr(data, "file", None) == shown:
            return self._apply(part, path)
        if not isinstance(data, LineDict):
            kind = "nothing" if data is None else f"a {type(data).__name__}"
            self.problem(f"a calcgraph file must be a mapping (keys like quantities:, set:, use:), "
                         f"but its top level is {kind}", Location(shown, 1),
                         "start the file with keys such as title:, use:, quantities: or set:")
            return None
        data.file = shown
        if not data:
            self.problem("the file is empty: a calcgraph file needs keys such as use:, quantities: or set:",
                         used_from or Location(shown, 1), "see docs/conventions.md for the format")
            return None
        if not any(key in FILE_KEYS for key in data):
            self.problem("not a calcgraph file: none of its keys is one of "
                         f"{', '.join(sorted(FILE_KEYS))}", used_from or Location(shown, 1),
                         f"{shown} is not shown; `use:` only calcgraph YAML files")
            return None
        fix_files(data, shown)
        start = len(self.problems)
        title = data.get("title") if isinstance(data.get("title"), str) else None
        assumes = data["assumes"] if isinstance(data.get("assumes"), str) else None
        self.titles.append((shown, title))
        self.assumes += [(shown, assumes)] if assumes is not None else []
        for key in data:
            if key not in FILE_KEYS:
                self.problem(f"unknown key {parts.short_key(key)}", data.where(key),
                             suggest(key, FILE_KEYS) if len(key) <= MAX_SUGGEST_NAME
                             and difflib.get_close_matches(key, FILE_KEYS)
                             else f"allowed keys: {', '.join(sorted(FILE_KEYS))}")
            elif key in ("title", "doc", "source", "assumes") and not isinstance(data[key], (str, type(None))):
                self.problem(f"{key}: must be text", data.where(key), f'quote it: e.g. {key}: "one line"')
            elif key in SCENARIO_ONLY and not top:
                self.problem(f"{key!r} belongs in the scenario, not in a used file", data.where(key),
                             "move it to the scenario file")
        parts.read_units(self, data)
        if top and "extends" in data:
            self._extends(path, data)
        uses = parts.text_list(self.problems, data, "use", "use: must be a list of file paths")
        own = len(self.problems) - start + ("extends" in data)  # a scenario that extends is never reused
        for used in uses:
            self.read(path.parent / used, top=False, used_from=data.where("use"))
        mark, counts = len(self.problems), (len(self.quantities), len(self.checks), len(self.sets))
        file_source = data.get("source") if isinstance(data.get("source"), str) else None
        parts.read_quantities(self, data, file_source)
        self.checks.extend(parts.read_checks(self, data))
        block = parts.section(self.problems, data, "set", LineDict, "set: must map names to values")
        self.sets.extend(parts.read_sets(self, block, "scenario" if top else "preset", file_source,
                                         kind=parts.preset_kind(path)))
        if not own and len(self.problems) == mark:  # a clean file: the next scenario that uses it reuses this
            if len(_PARTS) >= MAX_PARTS:
                _PARTS.clear()
            _PARTS[(id(data), shown, top)] = _Part(
                data, shown, tuple(uses), data.where("use"), title, assumes,
                tuple(self.quantities.values())[counts[0]:], tuple(self.checks[counts[1]:]),
                tuple(self.sets[counts[2]:]))
        return data

    def _extends(self, path: Path, data: LineDict) -> None:
        """Read the scenario ``data`` extends first: its uses, settings, report, variants and expects."""
        target = data.get("extends")
        if not isinstance(target, str) or not target.strip():
            self.problem("extends: must be the path of one scenario file", data.where("extends"),
                         "e.g. extends: llama3-70b-tpu-v5e.yaml (relative to this file)")
            return
        parent = path.parent / target
        if parts.file_identity(parent)[1] in self.seen:  # only the scenarios being extended are seen yet
            self.problem(f"extends: {target} leads back to a scenario already being read (a cycle)",
                         data.where("extends"), "a scenario may extend another, never itself")
            return
        first = len(self.sets)
        entry = [parent, None, first, first]
        self.parents.append(entry)
        found = self.read(parent, top=True, used_from=data.where("extends"))
        entry[1], entry[3] = found, len(self.sets)

    def _apply(self, part: _Part, path: Path) -> LineDict:
        """What a clean file read before adds, its uses read again (they may have changed)."""
        self.titles.append((part.shown, part.title))
        self.assumes += [(part.shown, part.assumes)] if part.assumes is not None else []
        for used in part.uses:
            self.read(path.parent / used, top=False, used_from=part.use_where)
        for quantity in part.quantities:
            self.add_quantity(quantity)
        self.checks.extend(part.checks)
        self.sets.extend(part.sets)
        return part.data

    def add_quantity(self, quantity: QuantitySpec) -> None:
        first = self.quantities.setdefault(quantity.name, quantity)
        if first is not quantity:
            self.problem(f"quantity {quantity.name!r} is defined twice (first at {first.where})", quantity.where,
                         "define it once; override its value or formula with set:")

    def spec(self, **fields) -> ScenarioSpec:
        """A ScenarioSpec of what was read; ``fields`` give the rest and may replace ``titles`` and ``sets``."""
        return ScenarioSpec(**{"titles": tuple(self.titles), "sets": tuple(self.sets), "checks": tuple(self.checks),
                               "quantities": tuple(self.quantities.values()), "assumes": tuple(self.assumes), **fields})


def fix_files(node, shown: str) -> None:
    """Set ``file`` on every mapping under ``node``: the path as messages show it."""
    if isinstance(node, LineDict):
        node.file = shown
        node = list(node.values())
    for value in node if isinstance(node, list) else ():
        fix_files(value, shown)


def load_spec(path: str | Path | None = None, problems: list | None = None) -> ScenarioSpec:
    """Read a scenario (or any calcgraph file) and everything it uses; problems are raised together, or
    added to ``problems`` and what could be read is returned (``calcgraph check`` goes on to the graph).

    >>> load_spec().title != ""  # the default scenario
    True
    """
    path = Path(path) if path is not None else project_path(DEFAULT_SCENARIO)
    try:
        os.lstat(path)
    except FileNotFoundError:
        raise InputFileError(f"no such scenario: {path}", where=str(path),
                             hint="give a path like scenarios/llama3-70b-tpu-v5e.yaml") from None
    except (OSError, ValueError):
        pass  # let the reader say what is wrong with the path (too long, under a file, NUL)
    collector = _Collector()
    data = collector.read(path, top=True)
    if data is None:
        if problems is not None:
            problems.extend(collector.problems)
        raise_all(collector.problems)  # never empty here
    parents = [(p, d) for p, d, *_ in collector.parents if isinstance(d, LineDict)]
    named = next((d for d in [data] + [d for _, d in parents] if d.get("report")), data)  # the nearest report:
    report = parts.text_list(collector.problems, named, "report", "report: must be a list of names")
    variants, replaces, expects = {}, {}, []
    for parent, pdata in [*reversed(parents), (path, data)]:
        more, kinds = parts.read_variants(collector, pdata, parent)
        variants.update(more)
        replaces.update(kinds)
        newer = parts.read_expects(collector, pdata)
        again = {(e.name, e.variant) for e in newer}  # an extending scenario's expects replace the same ones
        expects = [e for e in expects if (e.name, e.variant) not in again] + newer
    sets, dropped = replace_extended_presets(collector.sets, collector.parents)
    gone = {file_of(e) for e in dropped} - {file_of(e) for e in sets}
    raise_all(collector.problems, problems)
    return collector.spec(path=display_path(path), title=str(data.get("title") or path.stem),
                          doc=str(data.get("doc") or ""), titles=tuple(t for t in collector.titles if t[0] not in gone),
                          sets=tuple(sets), report=tuple(report), variants=variants, expects=tuple(expects),
                          where=Location(display_path(path), 1), replaces=replaces, dropped=tuple(dropped))


def default_paths() -> list[Path]:
    """Every scenario under ./scenarios (or beside the package)."""
    return sorted(project_path("scenarios").glob("*.yaml"))
