"""YAML files -> specs: plain frozen dataclasses, every field with its file:line.

One format for every file (formula module, preset, scenario): see
docs/conventions.md. ``use:`` paths are relative to the including file; a file
used twice is read once. Problems are collected and raised together.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from ..errors import CalcgraphError, InputFileError, Location, ValidationError, YamlError
from .expr import FUNCTIONS, NAME_RE
from .names import MAX_SUGGEST_NAME, suggest
from .specs import ExpectSpec, QuantitySpec, ScenarioSpec, SetEntry
from .yamlload import LineDict, load_file

FILE_KEYS = {"title", "doc", "source", "assumes", "use", "quantities", "set", "report", "variants", "expect"}
SCENARIO_ONLY = {"report", "variants", "expect"}
QUANTITY_KEYS = {"unit", "doc", "symbol", "source", "assumes", "display", "value", "formula", "solve"}
SET_KEYS = {"value", "formula", "source", "note"}
EXPECT_KEYS = {"printed", "exact", "tolerance", "reason", "variant", "where", "note"}
DEFAULT_SCENARIO = Path("scenarios") / "llama3-70b-tpu-v5e.yaml"



def display_path(path: Path) -> str:
    """A short path for messages: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def default_scenario() -> Path:
    """The default scenario: in the working directory, else beside the package."""
    here = Path.cwd() / DEFAULT_SCENARIO
    if here.exists():
        return here
    return Path(__file__).resolve().parents[2] / DEFAULT_SCENARIO




_KEYLIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")


def short_key(key: object) -> str:
    """A key for a message: quoted when it looks like a name, else not shown (never a line of a file)."""
    text = str(key)
    return repr(text) if _KEYLIKE.fullmatch(text) else "(a key that is not a name, not shown)"


class _Collector:
    """Walks the `use` tree once, collecting specs and problems."""

    def __init__(self) -> None:
        self.problems: list[CalcgraphError] = []
        self.seen: set[Path] = set()
        self.files: list[str] = []
        self.titles, self.assumes = [], []  # (path, title) and (path, assumes: text) of each file read
        self.quantities: dict[str, QuantitySpec] = {}
        self.sets: list[SetEntry] = []

    def problem(self, message: str, where, hint: str | None = None, kind=YamlError) -> None:
        self.problems.append(kind(message, where=where, hint=hint))

    def read(self, path: Path, top: bool, used_from: Location | None = None):
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError, ValueError):
            resolved = path.absolute()
        if resolved in self.seen:
            return None
        self.seen.add(resolved)
        shown = display_path(path)
        try:
            data = load_file(path)
        except InputFileError as exc:
            missing = exc.message.startswith("no such file")
            self.problems.append(exc if used_from is None else InputFileError(
                f"used file not found: {shown}" if missing else f"used file {exc.message}", where=used_from,
                hint="use: paths are relative to the file that uses them" if missing else exc.hint))
            return None
        except CalcgraphError as exc:
            self.problems.append(exc)
            return None
        if not isinstance(data, LineDict):
            kind = "nothing" if data is None else f"a {type(data).__name__}"
            self.problem(f"a calcgraph file must be a mapping (keys like quantities:, set:, use:), "
                         f"but its top level is {kind}", Location(shown, 1),
                         "start the file with keys such as title:, use:, quantities: or set:")
            return None
        data.file = shown
        if data and not any(key in FILE_KEYS for key in data):
            self.problem("not a calcgraph file: none of its keys is one of "
                         f"{', '.join(sorted(FILE_KEYS))}", used_from or Location(shown, 1),
                         f"{shown} is not shown; `use:` only calcgraph YAML files")
            return None
        self._fix_files(data, shown)
        self.files.append(shown)
        self.titles.append((shown, data.get("title") if isinstance(data.get("title"), str) else None))
        self.assumes += [(shown, data["assumes"])] if isinstance(data.get("assumes"), str) else []
        for key in data:
            if key not in FILE_KEYS:
                self.problem(f"unknown key {short_key(key)}", data.where(key),
                             suggest(key, FILE_KEYS) if len(key) <= MAX_SUGGEST_NAME
                             and difflib.get_close_matches(key, FILE_KEYS)
                             else f"allowed keys: {', '.join(sorted(FILE_KEYS))}")
            elif key in SCENARIO_ONLY and not top:
                self.problem(f"{key!r} belongs in the scenario, not in a used file", data.where(key),
                             "move it to the scenario file")
        uses = data.get("use") or []
        if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
            self.problem("use: must be a list of file paths", data.where("use"))
            uses = []
        for used in uses:
            self.read(path.parent / used, top=False, used_from=data.where("use"))
        file_source = data.get("source") if isinstance(data.get("source"), str) else None
        self._quantities(data.get("quantities"), data, file_source)
        self.sets.extend(self.set_entries(data.get("set"), data, "set",
                                          "scenario" if top else "preset", file_source))
        return data

    def _fix_files(self, node, shown: str) -> None:
        if isinstance(node, LineDict):
            node.file = shown
            for value in node.values():
                self._fix_files(value, shown)
        elif isinstance(node, list):
            for value in node:
                self._fix_files(value, shown)

    def _quantities(self, block, data: LineDict, file_source: str | None) -> None:
        if block is None:
            return
        if not isinstance(block, LineDict):
            self.problem("quantities: must map names to quantity mappings", data.where("quantities"))
            return
        for name, body in block.items():
            where = block.where(name)
            if not NAME_RE.match(name) or name in FUNCTIONS:
                self.problem(f"invalid quantity name {short_key(name)}", where,
                             "names start with a letter, use letters, digits and _, "
                             "and are not function names")
                continue
            if not isinstance(body, LineDict):
                self.problem(f"quantity {name!r} must be a mapping with unit, doc and value or formula",
                             where)
                continue
            bad = [k for k in body if k not in QUANTITY_KEYS]
            for key in bad:
                self.problem(f"unknown key {short_key(key)} in quantity {name!r}", body.where(key),
                             f"allowed keys: {', '.join(sorted(QUANTITY_KEYS))}")
            kinds = [k for k in ("value", "formula", "solve") if k in body]
            if len(kinds) != 1:
                self.problem(f"quantity {name!r} needs exactly one of value, formula or solve"
                             + (f" (has {', '.join(kinds)})" if kinds else ""), where)
                continue
            missing = [k for k in ("unit", "doc") if k not in body]
            if missing:
                self.problem(f"quantity {name!r} has no {' or '.join(missing)}", where,
                             "every quantity declares its unit (\"1\" for plain numbers) and a one-line doc")
                continue
            texts = {k: body.get(k) for k in ("unit", "doc", "symbol", "source", "display", "assumes")}
            wrong = [k for k, v in texts.items() if v is not None and not isinstance(v, str)
                     and not (k == "unit" and isinstance(v, int) and not isinstance(v, bool) and v == 1)]
            if "formula" in body and not isinstance(body.get("formula"), str):
                wrong.append("formula")
            if wrong:
                self.problem(f"quantity {name!r}: {', '.join(wrong)} must be text", body.where(wrong[0]),
                             "quote it: e.g. symbol: \"B\" or formula: \"2 * x\"")
                continue
            if "value" in body and not _scalar_value(body.get("value")):
                self.problem(f"quantity {name!r}: value must be a number or \"NUMBER UNIT\", "
                             f"not {_kind(body.get('value'))}", body.where("value"),
                             "write e.g. value: 32 or value: \"8.2e11 B/s/chip\"")
                continue
            if name in self.quantities:
                first = self.quantities[name].where
                self.problem(f"quantity {name!r} is defined twice (first at {first})", where,
                             "define it once; override its value or formula with set:")
                continue
            formula = body.get("formula")
            solve = body.get("solve")
            if solve is not None and not isinstance(solve, LineDict):
                self.problem(f"quantity {name!r}: solve: must be a mapping", body.where("solve"))
                continue
            self.quantities[name] = QuantitySpec(
                name=name, unit=str(body["unit"]), doc=str(body["doc"]), where=where,
                symbol=body.get("symbol"), source=body.get("source") or file_source,
                display=body.get("display"), value=body.get("value"), assumes=body.get("assumes"),
                formula=None if formula is None else str(formula), solve=solve,
                lines=dict(body.key_lines))

    def set_entries(self, block, data: LineDict, key: str, origin: str,
                    file_source: str | None = None) -> list[SetEntry]:
        if block is None:
            return []
        if not isinstance(block, LineDict):
            self.problem(f"{key}: must map names to values", data.where(key))
            return []
        entries = []
        for name, raw in block.items():
            where = block.where(name)
            if isinstance(raw, LineDict):
                for extra in (k for k in raw if k not in SET_KEYS):
                    self.problem(f"unknown key {extra!r} in the setting of {name!r}", raw.where(extra),
                                 f"allowed keys: {', '.join(sorted(SET_KEYS))}")
                if ("value" in raw) == ("formula" in raw):
                    self.problem(f"the setting of {name!r} needs exactly one of value or formula", where)
                    continue
                if "value" in raw and not _scalar_value(raw.get("value")):
                    self.problem(f"the setting of {name!r}: value must be a number or \"NUMBER UNIT\", "
                                 f"not {_kind(raw.get('value'))}", raw.where("value"))
                    continue
                if "formula" in raw and not isinstance(raw.get("formula"), str):
                    self.problem(f"the setting of {name!r}: formula must be text, not {_kind(raw.get('formula'))}",
                                 raw.where("formula"))
                    continue
                entries.append(SetEntry(name=name, where=where, origin=origin, value=raw.get("value"),
                                        formula=raw.get("formula"),
                                        source=raw.get("source") or file_source, note=raw.get("note")))
            elif _scalar_value(raw):
                entries.append(SetEntry(name=name, where=where, origin=origin, value=raw,
                                        source=file_source))
            else:
                self.problem(f"the setting of {name!r} must be a number, \"NUMBER UNIT\" or a mapping",
                             where, "write e.g. batch: 32 or hbm_bandwidth: \"8.2e11 B/s/chip\"")
        return entries


MAX_INT_DIGITS = 300


def _scalar_value(raw) -> bool:
    """A number (not bool, not an integer of hundreds of digits) or text."""
    if isinstance(raw, bool):
        return False
    if isinstance(raw, int):
        return abs(raw) < 10 ** MAX_INT_DIGITS
    return isinstance(raw, (float, str))


def _kind(raw) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, int) and not isinstance(raw, bool) and not _scalar_value(raw):
        return f"an integer of more than {MAX_INT_DIGITS} digits"
    return {"LineDict": "a mapping", "list": "a list", "bool": "true/false"}.get(type(raw).__name__,
                                                                              type(raw).__name__)


def _expects(collector: _Collector, block, data: LineDict) -> list[ExpectSpec]:
    if block is None:
        return []
    if not isinstance(block, LineDict):
        collector.problem("expect: must map names to expected figures", data.where("expect"))
        return []
    result = []
    for name, raw in block.items():
        items = raw if isinstance(raw, list) else [raw]
        for item in items:
            where = item.where() if isinstance(item, LineDict) else block.where(name)
            if not isinstance(item, LineDict):
                item_map = {"printed": item}
            else:
                item_map = item
                for extra in (k for k in item if k not in EXPECT_KEYS):
                    collector.problem(f"unknown key {extra!r} in expect of {name!r}", item.where(extra),
                                      f"allowed keys: {', '.join(sorted(EXPECT_KEYS))}")
            if "printed" not in item_map:
                collector.problem(f"expect of {name!r} has no printed figure", where)
                continue
            bad = [k for k in ("printed", "exact") if k in item_map and not _scalar_value(item_map[k])]
            bad += [k for k in ("reason", "variant", "where", "note")
                    if item_map.get(k) is not None and not isinstance(item_map[k], str)]
            if bad:
                collector.problem(f"expect of {name!r}: {bad[0]} must be "
                                  + ("a number or text" if bad[0] in ("printed", "exact") else "text")
                                  + f", not {_kind(item_map[bad[0]])}", where)
                continue
            tolerance = item_map.get("tolerance")
            if tolerance is not None and (not isinstance(tolerance, (int, float)) or tolerance < 0):
                collector.problem(f"expect of {name!r}: tolerance must be a non-negative number", where)
                continue
            result.append(ExpectSpec(name=name, printed=item_map["printed"], where=where,
                                     tolerance=tolerance, reason=item_map.get("reason"),
                                     variant=item_map.get("variant"), exact=item_map.get("exact"),
                                     note=item_map.get("note")))
    return result


def load_spec(path: str | Path | None = None) -> ScenarioSpec:
    """Read a scenario (or any calcgraph file) and everything it uses.

    >>> spec = load_spec()  # the default scenario
    >>> spec.title != ""
    True
    """
    path = Path(path) if path is not None else default_scenario()
    try:
        os.lstat(path)
        exists = True
    except FileNotFoundError:
        exists = False
    except (OSError, ValueError):
        exists = True  # let the reader say what is wrong with the path (too long, under a file, NUL)
    if not exists:
        raise InputFileError(f"no such scenario: {path}", where=str(path),
                             hint="give a path like scenarios/llama3-70b-tpu-v5e.yaml")
    collector = _Collector()
    data = collector.read(path, top=True)
    if data is None:
        raise ValidationError(collector.problems) if len(collector.problems) > 1 \
            else collector.problems[0]
    report = data.get("report") or []
    if not isinstance(report, list) or not all(isinstance(r, str) for r in report):
        collector.problem("report: must be a list of names", data.where("report"))
        report = []
    variants = {}
    raw_variants = data.get("variants")
    if raw_variants is not None and not isinstance(raw_variants, LineDict):
        collector.problem("variants: must map variant names to settings", data.where("variants"))
    elif raw_variants:
        for vname, block in raw_variants.items():
            variants[vname] = tuple(collector.set_entries(block, raw_variants, vname,
                                                          f"variant {vname}"))
    expects = _expects(collector, data.get("expect"), data)
    if collector.problems:
        raise collector.problems[0] if len(collector.problems) == 1 \
            else ValidationError(collector.problems)
    return ScenarioSpec(path=display_path(path), title=str(data.get("title") or path.stem),
                        doc=str(data.get("doc") or ""), files=tuple(collector.files), titles=tuple(collector.titles),
                        quantities=tuple(collector.quantities.values()), assumes=tuple(collector.assumes),
                        sets=tuple(collector.sets), report=tuple(report), variants=variants,
                        expects=tuple(expects), where=Location(display_path(path), 1))


def default_paths() -> list[Path]:
    """Every scenario under ./scenarios (or beside the package)."""
    base = Path.cwd() / "scenarios"
    if not base.is_dir():
        base = Path(__file__).resolve().parents[2] / "scenarios"
    return sorted(base.glob("*.yaml"))

