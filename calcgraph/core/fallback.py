"""Presets replaced by a variant or an extending scenario, and the values that then fall back to their module
default (rarely meant, so every evaluating command says so)."""

from __future__ import annotations

from calcgraph.core.spec.types import ScenarioSpec, SetEntry


def file_of(entry: SetEntry) -> str:
    """The file (without its line) that set ``entry``."""
    return str(entry.where).rsplit(":", 1)[0]


def _lines(dropped, kept_names: set, replacing: dict, who: str) -> list[str]:
    out = []
    for entry in dropped:
        if entry.name in kept_names:
            continue
        kept_names.add(entry.name)
        new = replacing.get(entry.kind)
        said = str(entry.value) if entry.formula is None else f"formula {entry.formula}"
        by = f"{new} (its {entry.kind} preset) replaces {file_of(entry)}" if new else f"{file_of(entry)} is replaced"
        out.append(f"{who}: {by}, which set {entry.name} = {said} at {entry.where}; the new preset does "
                   f"not, so {entry.name} falls back to its module default: set {entry.name} in {who} to keep it")
    return out


def fallen_back(spec: ScenarioSpec, variant: str | None = None) -> list[str]:
    """One warning per value a replaced preset set and nothing in force sets any more.

    >>> from calcgraph.core.spec.load import load_spec
    >>> fallen_back(load_spec())
    []
    """
    replacing = {e.kind: file_of(e) for e in spec.sets if e.origin == "preset" and e.kind}
    out = _lines(spec.dropped, {e.name for e in spec.sets}, replacing, f"scenario {spec.path}")
    if variant is None or variant not in spec.variants:
        return out
    kinds, own = set(spec.replaces.get(variant, ())), spec.variants[variant]
    dropped = [e for e in spec.sets if e.origin == "preset" and e.kind in kinds]
    kept = {e.name for e in spec.sets if e not in dropped} | {e.name for e in own}
    replacing = {e.kind: file_of(e) for e in own if e.kind}
    return out + _lines(dropped, kept, replacing, f"variant {variant}")


def replace_extended_presets(sets: list, parents: list) -> tuple[list, list]:
    """Settings in force and those dropped: a preset kind the extending scenario uses replaces the extended one's.

    Each extended scenario's settings sit at ``[first, last)`` of ``sets``; those after belong to its extenders.
    """
    gone: dict = {}  # index -> setting, in the order dropped
    for _, _, first, last in parents:
        later = {e.kind for i, e in enumerate(sets) if i >= last and i not in gone and e.origin == "preset" and e.kind}
        gone.update((i, sets[i]) for i in range(first, last)
                    if i not in gone and sets[i].origin == "preset" and sets[i].kind in later)
    return [e for i, e in enumerate(sets) if i not in gone], list(gone.values())
