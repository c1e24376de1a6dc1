"""Parts of a calcgraph file read by the spec loader: expects, checks and variants.

Split from spec.py to keep modules small; each takes the loader's collector
(``problem``, ``set_entries``, ``read``) and adds what it finds wrong to it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .specs import CheckSpec, ExpectSpec
from .yamlload import LineDict

EXPECT_KEYS = {"printed", "exact", "tolerance", "reason", "variant", "where", "note"}
CHECK_KEYS = {"where", "message"}
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


def preset_kind(path: Path) -> str | None:
    """The preset kind of a file: its folder under ``presets/`` (``chips``, ``models``, ...), else None.

    >>> preset_kind(Path("presets/chips/h100.yaml"))
    'chips'
    """
    parent = Path(path).parent
    return parent.name if parent.parent.name == "presets" else None


def read_checks(collector, block, data: LineDict) -> list[CheckSpec]:
    """``checks:``: a list of ``{where: CONSTRAINT, message: TEXT}``."""
    if block is None:
        return []
    if not isinstance(block, list):
        collector.problem("checks: must be a list of {where: CONSTRAINT, message: TEXT}", data.where("checks"))
        return []
    found = []
    for item in block:
        where = item.where() if isinstance(item, LineDict) else data.where("checks")
        if not isinstance(item, LineDict):
            collector.problem(f"a check must be a mapping {{where: ..., message: ...}}, not {_kind(item)}",
                              where)
            continue
        for extra in (k for k in item if k not in CHECK_KEYS):
            collector.problem(f"unknown key {extra!r} in a check", item.where(extra),
                              f"allowed keys: {', '.join(sorted(CHECK_KEYS))}")
        texts = [item.get(k) for k in ("where", "message")]
        if not all(isinstance(t, str) and t.strip() for t in texts):
            collector.problem("a check needs where: (a constraint such as \"total_memory <= hbm_capacity\") "
                              "and message: (one line saying what fails), both text", where)
            continue
        found.append(CheckSpec(constraint=texts[0], message=texts[1], where=where))
    return found


def read_variants(collector, data: LineDict, path: Path) -> tuple[dict, dict]:
    """``variants:``: name -> settings; a variant may ``use:`` presets replacing those of the same kind.

    Returns (name -> SetEntry tuple, name -> preset kinds replaced). The entries of a variant's
    presets come first (origin ``preset``), then its own settings.
    """
    raw = data.get("variants")
    variants, replaces = {}, {}
    if raw is None:
        return variants, replaces
    if not isinstance(raw, LineDict):
        collector.problem("variants: must map variant names to settings", data.where("variants"))
        return variants, replaces
    for vname, block in raw.items():
        entries, kinds = [], []
        if isinstance(block, LineDict) and ("use" in block or "set" in block):
            uses = block.get("use") or []
            if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
                collector.problem(f"variant {vname!r}: use: must be a list of preset files", block.where("use"))
                uses = []
            for used in uses:
                entries.extend(_variant_preset(collector, path.parent / used, vname, block.where("use"), kinds))
            settings = {k: v for k, v in block.items() if k not in ("use", "set")}
            inner = block.get("set")
            if inner is not None and not isinstance(inner, LineDict):
                collector.problem(f"variant {vname!r}: set: must map names to values", block.where("set"))
            elif inner is not None:
                entries.extend(collector.set_entries(inner, block, vname, f"variant {vname}"))
            if settings:
                extra = LineDict(settings)
                extra.file, extra.line = block.file, block.line
                extra.key_lines = {k: block.key_lines.get(k) for k in settings}
                entries.extend(collector.set_entries(extra, block, vname, f"variant {vname}"))
        else:
            entries = collector.set_entries(block, raw, vname, f"variant {vname}")
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
    fresh.seen = set(collector.seen) - {path.resolve()}
    fresh.read(path, top=False, used_from=where)
    collector.problems.extend(fresh.problems)
    for name in fresh.quantities:
        collector.problem(f"variant {vname!r}: {path.name} defines quantity {name!r}; a variant's "
                          "presets may only set values", where,
                          "use: the module that defines it in the scenario")
    kinds.append(kind)
    return [replace(e, origin=f"variant {vname}", kind=kind) for e in fresh.sets]


def read_expects(collector, block, data: LineDict) -> list[ExpectSpec]:
    """``expect:``: name -> printed figure(s) of a source text."""
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


