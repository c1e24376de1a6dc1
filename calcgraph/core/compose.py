"""A scenario composed in memory from files in order, as if a scenario file listed them under ``use:``."""

from __future__ import annotations

from pathlib import Path

from calcgraph.core.spec.load import _Collector
from calcgraph.core.spec.types import ScenarioSpec
from calcgraph.errors import Location, raise_all


def compose_spec(paths: list[Path], title: str, where: Location) -> ScenarioSpec:
    """A scenario made of ``paths`` in order (``calcgraph validate``: one per measured case); problems raised together.

    >>> base = Path(__file__).resolve().parents[2]
    >>> spec = compose_spec([base / "formulas" / "serving.yaml", base / "presets" / "models" / "llama3-70b.yaml"],
    ...                     "a case", Location("validation/x.yaml", 3))
    >>> spec.title, "n_params" in {e.name for e in spec.sets}
    ('a case', True)
    """
    collector = _Collector()
    for path in paths:
        collector.read(Path(path), top=False, used_from=where)
    raise_all(collector.problems)
    return collector.spec(path=str(where), title=title, where=where)
