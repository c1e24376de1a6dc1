"""Parts of a calcgraph file read by the spec loader: quantities, expects, checks, variants and units; each
takes the loader's collector (``problem``, ``read``) and adds what it finds wrong to it."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from calcgraph.core.formula.parse import FUNCTIONS, NAME_RE
from calcgraph.core.spec.types import CheckSpec, ExpectSpec, QuantitySpec, SetEntry
from calcgraph.core.spec.yamlload import MAX_DIGITS, LineDict
from calcgraph.errors import UnitError, YamlError

EXPECT_KEYS = {"printed", "exact", "tolerance", "reason", "variant", "where", "note"}
CHECK_KEYS = {"where", "message", "holds"}
SET_KEYS = {"value", "formula", "source", "note", "doc"}
QUANTITY_KEYS = {"unit", "doc", "symbol", "source", "assumes", "display", "value", "formula", "solve", "min", "max",
                 "preset"}


_KEYLIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")


def short_key(key: object) -> str:
    """A key for a message: quoted when it looks like a name, else not shown (never a line of a file)."""
    text = str(key)
    return repr(text) if _KEYLIKE.fullmatch(text) else "(a key that is not a name, not shown)"


def _scalar_value(raw) -> bool:
    """A number (not bool, not an integer of hundreds of digits) or text."""
    if type(raw) is int:
        return abs(raw) < 10 ** MAX_DIGITS
    return isinstance(raw, (float, str))


def _kind(raw) -> str:
    if raw is None:
        return "null"
    if type(raw) is int and not _scalar_value(raw):
        return f"an integer of more than {MAX_DIGITS} digits"
    return {"LineDict": "a mapping", "list": "a list", "bool": "true/false"}.get(type(raw).__name__,
                                                                              type(raw).__name__)


def section(problems: list, data: LineDict, key: str, kind: type, message: str):
    """``data[key]`` when it is a ``kind``, else an empty one (and ``message`` at its line when it is there)."""
    block = data.get(key)
    if isinstance(block, kind):
        return block
    if block is not None:
        problems.append(YamlError(message, where=data.where(key)))
    return kind()


def text_list(problems: list, data: LineDict, key: str, message: str) -> list:
    """``data[key]``: a list of text (empty when absent), else ``message`` at its line and an empty list."""
    items = data.get(key) or []
    if isinstance(items, list) and all(isinstance(item, str) for item in items):
        return items
    problems.append(YamlError(message, where=data.where(key)))
    return []


def unknown_keys(problems: list, block: LineDict, allowed, what: str, show=repr) -> None:
    """A YamlError in ``problems`` for each key of ``block`` not in ``allowed``, listing the allowed ones."""
    for key in (k for k in block if k not in allowed):
        problems.append(YamlError(f"unknown key {show(key)} in {what}", where=block.where(key),
                                  hint=f"allowed keys: {', '.join(sorted(allowed))}"))


def file_identity(path: Path) -> tuple:
    """(``os.stat`` or None, identity): the same file by any path, without resolving links."""
    try:
        info = os.stat(path)
        return info, (info.st_dev, info.st_ino)
    except (OSError, ValueError):
        return None, path.absolute()


def preset_kind(path: Path) -> str | None:
    """The preset kind of a file: its folder under ``presets/`` (``chips``, ``models``, ...), else None.

    >>> preset_kind(Path("presets/chips/h100.yaml"))
    'chips'
    """
    parent = Path(path).parent
    return parent.name if parent.parent.name == "presets" else None


def read_checks(collector, data: LineDict) -> list[CheckSpec]:
    """``checks:``: a list of ``{where: CONSTRAINT, message: TEXT}``."""
    found = []
    for item in section(collector.problems, data, "checks", list,
                        "checks: must be a list of {where: CONSTRAINT, message: TEXT}"):
        if not isinstance(item, LineDict):
            collector.problem(f"a check must be a mapping {{where: ..., message: ...}}, not {_kind(item)}",
                              data.where("checks"))
            continue
        unknown_keys(collector.problems, item, CHECK_KEYS, "a check")
        texts, holds = [item.get(k) for k in ("where", "message")], item.get("holds", "")
        if not all(isinstance(t, str) and t.strip() for t in texts):
            collector.problem("a check needs where: (a constraint such as \"total_memory <= hbm_capacity\") "
                              "and message: (one line saying what fails), both text", item.where())
            continue
        if not isinstance(holds, str):
            collector.problem("a check's holds: must be text (one line saying what is true when it passes)",
                              item.where("holds"))
        found.append(CheckSpec(texts[0], texts[1], item.where(), holds if isinstance(holds, str) else ""))
    return found


def read_variants(collector, data: LineDict, path: Path) -> tuple[dict, dict]:
    """``variants:`` -> (name -> SetEntry tuple, name -> preset kinds replaced); a variant may ``use:``
    presets replacing those of the same kind (their entries first, then the variant's own settings)."""
    raw = section(collector.problems, data, "variants", LineDict, "variants: must map variant names to settings")
    variants, replaces = {}, {}
    for vname in raw:
        block = section(collector.problems, raw, vname, LineDict, f"{vname}: must map names to values")
        entries, kinds = [], []
        uses = text_list(collector.problems, block, "use", f"variant {vname!r}: use: must be a list of preset files")
        for used in uses:
            entries.extend(_variant_preset(collector, path.parent / used, vname, block.where("use"), kinds))
        inner = section(collector.problems, block, "set", LineDict, f"variant {vname!r}: set: must map names to values")
        entries.extend(read_sets(collector, inner, f"variant {vname}"))
        entries.extend(read_sets(collector, block, f"variant {vname}", skip=("use", "set")))
        variants[vname] = tuple(entries)
        replaces[vname] = tuple(dict.fromkeys(kinds))
    return variants, replaces


def _variant_preset(collector, path: Path, vname: str, where, kinds: list) -> list:
    """The settings of one preset a variant uses (read afresh even when the scenario uses it too)."""
    kind = preset_kind(path)
    if kind is None:
        collector.problem(f"variant {vname!r}: use: takes preset files under presets/KIND/, "
                          f"not {path.name}", where, "e.g. use: [../presets/chips/h100.yaml]")
        return []
    fresh = type(collector)()
    fresh.seen = set(collector.seen) - {file_identity(path)[1]}  # forget this file so that it is read again
    fresh.read(path, top=False, used_from=where)
    collector.problems.extend(fresh.problems)
    for name in fresh.quantities:
        collector.problem(f"variant {vname!r}: {path.name} defines quantity {name!r}; a variant's "
                          "presets may only set values", where,
                          "use: the module that defines it in the scenario")
    kinds.append(kind)
    return [replace(e, origin=f"variant {vname}", kind=kind) for e in fresh.sets]


def read_expects(collector, data: LineDict) -> list[ExpectSpec]:
    """``expect:``: name -> printed figure(s) of a source text."""
    block = section(collector.problems, data, "expect", LineDict, "expect: must map names to expected figures")
    result = []
    for name, raw in block.items():
        for item in raw if isinstance(raw, list) else [raw]:
            item_map, where = {"printed": item}, block.where(name)
            if isinstance(item, LineDict):
                unknown_keys(collector.problems, item, EXPECT_KEYS, f"expect of {name!r}")
                item_map, where = item, item.where()
            bad = [k for k in ("printed", "exact") if k in item_map and not _scalar_value(item_map[k])]
            bad += [k for k in ("reason", "variant", "where", "note")
                    if item_map.get(k) is not None and not isinstance(item_map[k], str)]
            tolerance = item_map.get("tolerance")
            if "printed" not in item_map:
                collector.problem(f"expect of {name!r} has no printed figure", where)
            elif bad:
                collector.problem(f"expect of {name!r}: {bad[0]} must be "
                                  + ("a number or text" if bad[0] in ("printed", "exact") else "text")
                                  + f", not {_kind(item_map[bad[0]])}", where)
            elif tolerance is not None and (type(tolerance) not in (int, float) or tolerance < 0):  # not true
                collector.problem(f"expect of {name!r}: tolerance must be a non-negative number", where)
            else:
                result.append(ExpectSpec(name=name, printed=item_map["printed"], where=where, tolerance=tolerance,
                                         **{k: item_map.get(k) for k in ("reason", "variant", "exact", "note")}))
    return result


def read_sets(collector, block: LineDict, origin: str, file_source: str | None = None, skip: tuple = (),
              kind: str | None = None) -> list[SetEntry]:
    """The settings of ``block`` (name -> value or {value or formula, ...}) but the names in ``skip``; ``kind``:
    the preset folder of the file."""
    entries = []
    for name, raw in ((n, r) for n, r in block.items() if n not in skip):
        where, what = block.where(name), f"the setting of {name!r}"
        if not isinstance(raw, LineDict):
            if _scalar_value(raw):
                entries.append(SetEntry(name, where, origin, value=raw, source=file_source, kind=kind))
            else:
                collector.problem(f"{what} must be a number, \"NUMBER UNIT\" or a mapping", where,
                                  "write e.g. batch: 32 or hbm_bandwidth: \"8.2e11 B/s/chip\"")
            continue
        unknown_keys(collector.problems, raw, SET_KEYS, what)
        if ("value" in raw) == ("formula" in raw):
            collector.problem(f"{what} needs exactly one of value or formula", where)
        elif "value" in raw and not _scalar_value(raw["value"]):
            collector.problem(f"{what}: value must be a number or \"NUMBER UNIT\", not {_kind(raw['value'])}",
                              raw.where("value"))
        elif "formula" in raw and not isinstance(raw["formula"], str):
            collector.problem(f"{what}: formula must be text, not {_kind(raw['formula'])}", raw.where("formula"))
        elif raw.get("doc") is not None and ("formula" not in raw or not isinstance(raw["doc"], str)):
            collector.problem(f"{what}: doc: goes with a replacement formula, as one line of text", raw.where("doc"))
        else:
            entries.append(SetEntry(name=name, where=where, origin=origin, source=raw.get("source") or file_source,
                                    kind=kind, **{k: raw.get(k) for k in ("value", "formula", "doc", "note")}))
    return entries


def read_quantities(collector, data: LineDict, file_source: str | None) -> None:
    """Check a file's ``quantities:`` block; each good one becomes a QuantitySpec in ``collector.quantities``."""
    block = section(collector.problems, data, "quantities", LineDict, "quantities: must map names to quantity mappings")
    for name, body in block.items():
        where, what = block.where(name), f"quantity {name!r}"
        if not NAME_RE.match(name) or name in FUNCTIONS:
            collector.problem(f"invalid quantity name {short_key(name)}", where,
                              "names start with a letter, use letters, digits and _, and are not function names")
            continue
        if not isinstance(body, LineDict):
            collector.problem(f"{what} must be a mapping with unit, doc and value or formula", where)
            continue
        unknown_keys(collector.problems, body, QUANTITY_KEYS, what, short_key)
        kinds = [k for k in ("value", "formula", "solve") if k in body]
        missing = [k for k in ("unit", "doc") if k not in body]
        wrong = [k for k in ("unit", "doc", "symbol", "source", "display", "assumes", "preset", "formula")
                 if k in body and not isinstance(body[k], str) and (body[k] is not None or k == "formula")
                 and not (k == "unit" and type(body[k]) is int and body[k] == 1)]  # unit: 1 is unit: "1"
        bound = next((k for k in ("min", "max") if k in body and (not _scalar_value(body[k])
                                                               or kinds not in ([], ["value"]))), None)
        if len(kinds) > 1:
            collector.problem(f"{what} needs at most one of value, formula or solve (has {', '.join(kinds)}); "
                              "none makes it a required input", where)
        elif missing:
            collector.problem(f"{what} has no {' or '.join(missing)}", where,
                              "every quantity declares its unit (\"1\" for plain numbers) and a one-line doc")
        elif wrong:
            collector.problem(f"{what}: {', '.join(wrong)} must be text", body.where(wrong[0]),
                              "quote it: e.g. symbol: \"B\" or formula: \"2 * x\"")
        elif bound:
            collector.problem(f"{what}: {bound} must be a number or \"NUMBER UNIT\", on an input", body.where(bound),
                              "write e.g. min: 1 or max: \"1e15 FLOP/s/chip\" (\"> 0\" for a strict bound); "
                              "computed quantities take none")
        elif "value" in body and not _scalar_value(body["value"]):
            collector.problem(f"{what}: value must be a number or \"NUMBER UNIT\", not {_kind(body['value'])}",
                              body.where("value"), "write e.g. value: 32 or value: \"8.2e11 B/s/chip\"")
        elif body.get("solve") is not None and not isinstance(body["solve"], LineDict):
            collector.problem(f"{what}: solve: must be a mapping", body.where("solve"))
        else:
            collector.add_quantity(QuantitySpec(
                name=name, unit=str(body["unit"]), doc=str(body["doc"]), where=where,
                source=body.get("source") or file_source, lines=dict(body.key_lines), minimum=body.get("min"),
                maximum=body.get("max"), **{k: body.get(k) for k in ("symbol", "display", "value", "assumes",
                                                                     "formula", "solve", "preset")}))


def read_units(collector, data: LineDict) -> None:
    """A file's ``units:``: pint definition lines, each checked and added before its quantities are read."""
    for line in section(collector.problems, data, "units", list,
                        "units: must be a list of definition lines such as 'rack = 72 * chip'"):
        from calcgraph.core.unitdefs import define_unit  # pint only for a file that defines units
        try:
            define_unit(line)
        except UnitError as exc:
            collector.problem(exc.message, data.where("units"), exc.hint, kind=UnitError)
