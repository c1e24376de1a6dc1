"""Validation files (``validation/*.yaml``, one per published source; format in validation/README.md) ->
measured cases with their file:line; problems are raised together, each at its line."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from calcgraph.core.spec.load import display_path, fix_files
from calcgraph.core.spec.parts import section, short_key, unknown_keys
from calcgraph.core.spec.yamlload import LineDict, load_file
from calcgraph.core.units import convert_value, parse_unit
from calcgraph.errors import CalcgraphError, Location, YamlError, raise_all

FILE_KEYS = {"title", "source", "engine", "thresholds", "cases", "doc"}
SOURCE_KEYS = {"document", "url", "version", "date", "table", "tables", "note"}
CASE_REQUIRED = ("id", "model", "chip", "dtypes", "chips", "tp_degree", "prefill_len", "gen_len", "measured", "source",
                 "benchmark")
CASE_KEYS = {*CASE_REQUIRED, "pp_degree", "engine", "batch", "notes"}
MEASURED_KEYS = {"output_throughput", "system_chips", "ttft", "tpot"}
THRESHOLD_KEYS = ("median_abs_error", "within_25")  # a tuple: problems come in a fixed order
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,119}")
_PRESET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


@dataclass(frozen=True)
class Case:
    """One published measurement and the scenario that predicts it."""

    id: str
    where: Location
    model: str
    chip: str
    dtypes: tuple[str, ...]
    chips: int
    tp_degree: int
    pp_degree: int
    engine: str
    prefill_len: float
    gen_len: float
    batch: int | None
    output_throughput: float  # token/s over system_chips
    system_chips: int
    source: str
    benchmark: str
    notes: str = ""
    ttft: float | None = None  # s
    tpot: float | None = None  # s

    @property
    def measured_per_chip(self) -> float:
        """Output tokens/s per chip, as measured."""
        return self.output_throughput / self.system_chips


@dataclass(frozen=True)
class ValidationFile:
    """One source's measured cases, with the thresholds ``validate --strict`` holds it to."""

    path: str
    title: str
    source: dict
    thresholds: dict
    cases: tuple[Case, ...]


def _problem(problems: list, message: str, where: Location, hint: str | None = None) -> None:
    problems.append(YamlError(message, where=where, hint=hint))


def _number(block: LineDict, key: str, problems: list, whole: bool = True, default=None,
            unit: str | None = None) -> float | None:
    """``block[key]``: a whole number >= 1 (an int), else a positive number (a float, converted to ``unit`` when
    given: "5 ms"); None if it is not."""
    value = raw = block.get(key, default)
    if unit is not None:
        try:
            value, _ = convert_value(raw, parse_unit(unit), key)
        except CalcgraphError as exc:
            problems.append(YamlError(f"{key}: {exc.message}", where=block.where(key), hint=exc.hint))
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not (value == int(value) and value >= 1 if whole else value > 0):
        _problem(problems, f"{key} must be {'a whole number >= 1' if whole else 'a positive number'}, got {raw!r}",
                 block.where(key))
        return None
    return int(value) if whole else float(value)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _case(block, data: LineDict, engine: str, problems: list) -> Case | None:
    if not isinstance(block, LineDict):
        _problem(problems, "each case must be a mapping (id:, model:, chip:, ...)", data.where("cases"))
        return None
    start = len(problems)
    unknown_keys(problems, block, CASE_KEYS, "a case", short_key)
    missing = [key for key in CASE_REQUIRED if key not in block]
    for key in missing:
        _problem(problems, f"the case has no {key}:", block.where(), "see validation/README.md for the format")
    if missing:
        return None
    case_id = block["id"]
    if not isinstance(case_id, str) or not _ID.fullmatch(case_id):
        _problem(problems, f"id must be lowercase letters, digits, '.', '-' or '_', got {case_id!r}", block.where("id"))
    for key in ("model", "chip"):
        if not isinstance(block[key], str) or not _PRESET.fullmatch(block[key]):
            _problem(problems, f"{key} must name a preset file (without .yaml), got {block[key]!r}", block.where(key))
    dtypes = block["dtypes"]
    if not isinstance(dtypes, list) or not dtypes or not all(isinstance(d, str) and _PRESET.fullmatch(d)
                                                             for d in dtypes):
        _problem(problems, "dtypes must be a list of dtype preset names, e.g. [fp8]", block.where("dtypes"))
    chips, tp, pp = (_number(block, key, problems, default=1) for key in ("chips", "tp_degree", "pp_degree"))
    if chips and tp and pp and chips != tp * pp:
        _problem(problems, f"chips ({chips}) must be tp_degree x pp_degree ({tp} x {pp}): the chips of one replica",
                 block.where("chips"))
    prefill, gen = (_number(block, key, problems, whole=False) for key in ("prefill_len", "gen_len"))
    batch = _number(block, "batch", problems) if block.get("batch") is not None else None
    measured, got = block["measured"], {}
    if not isinstance(measured, LineDict):
        _problem(problems, "measured must be a mapping with output_throughput and system_chips",
                 block.where("measured"))
    else:
        unknown_keys(problems, measured, MEASURED_KEYS, "measured", short_key)
        for key in ("output_throughput", "system_chips"):
            if key not in measured:
                _problem(problems, f"measured has no {key}:", measured.where())
        units = {"output_throughput": "token/s", "system_chips": None, "ttft": "s", "tpot": "s"}
        got = {key: _number(measured, key, problems, whole=unit is None, unit=unit)
               for key, unit in units.items() if key in measured}
    for key in ("source", "benchmark"):
        if not isinstance(block[key], str) or not block[key].strip():
            _problem(problems, f"{key} must be text", block.where(key))
    if len(problems) > start:
        return None
    return Case(id=case_id, where=block.where(), model=block["model"], chip=block["chip"], dtypes=tuple(dtypes),
                chips=chips, tp_degree=tp, pp_degree=pp, engine=_text(block.get("engine")) or engine,
                prefill_len=prefill, gen_len=gen, batch=batch, source=block["source"], benchmark=block["benchmark"],
                notes=_text(block.get("notes")), **got)  # output_throughput, system_chips and any ttft, tpot


def _thresholds(data: LineDict, problems: list) -> dict:
    block = section(problems, data, "thresholds", LineDict, "thresholds must be a mapping: median_abs_error, within_25")
    unknown_keys(problems, block, THRESHOLD_KEYS, "thresholds", short_key)
    out = {}
    for key in (k for k in THRESHOLD_KEYS if k in block):
        value = block[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            _problem(problems, f"{key} must be a fraction between 0 and 1, got {value!r}", block.where(key))
        else:
            out[key] = float(value)
    return out


def read_validation_file(path: str | Path, problems: list) -> ValidationFile | None:
    """One validation file's cases; problems are appended to ``problems``."""
    try:
        data = load_file(path)
    except CalcgraphError as exc:
        problems.append(exc)
        return None
    shown = display_path(Path(path))  # relative to the working directory, as in every other message
    if not isinstance(data, LineDict) or "cases" not in data:
        _problem(problems, "a validation file is a mapping with title:, source: and cases:", Location(shown, 1),
                 "see validation/README.md for the format")
        return None
    fix_files(data, shown)
    unknown_keys(problems, data, FILE_KEYS, "a validation file", short_key)
    source = data.get("source")
    if not isinstance(source, LineDict) or not isinstance(source.get("document"), str):
        _problem(problems, "source: must be a mapping with at least document: (and url, version, date)",
                 data.where("source"))
        source = {}
    else:
        unknown_keys(problems, source, SOURCE_KEYS, "source", short_key)
    cases_block = data["cases"]
    if not isinstance(cases_block, list) or not cases_block:
        _problem(problems, "cases: must be a non-empty list", data.where("cases"))
        cases_block = []
    engine = _text(data.get("engine"))
    cases = [case for block in cases_block if (case := _case(block, data, engine, problems)) is not None]
    return ValidationFile(path=shown, title=_text(data.get("title")) or Path(shown).stem,
                          source={k: str(v) for k, v in dict(source).items()},
                          thresholds=_thresholds(data, problems), cases=tuple(cases))


def read_validation(paths: list[str | Path]) -> list[ValidationFile]:
    """Every file's cases; all problems raised together (ids must be unique over the files)."""
    problems: list = []
    files = [f for p in paths if (f := read_validation_file(p, problems)) is not None]
    seen: dict[str, Location] = {}
    for vfile in files:
        for case in vfile.cases:
            if case.id in seen:
                _problem(problems, f"case id {case.id!r} is used twice (first at {seen[case.id]})", case.where,
                         "give each case its own id")
            seen.setdefault(case.id, case.where)
    raise_all(problems)
    return files
