"""Writing the compiled graph cache after a command answered the normal way."""

from __future__ import annotations

import os
import traceback

from ..api import Model
from ..core.bind import bind
from ..core.cachestore import save
from ..core.units import parse_quantity
from .cached import check_key, eval_key, verify_key


def remember_eval(args, model: Model) -> None:
    """Write the cache entry of this scenario and variant (from its base binding, without ``--set``)."""
    try:
        base = model if not model.scenario.entries else Model(bind(model.spec, model.scenario.variant, ()))
        if base.scenario.missing:
            return
        units = [parse_quantity(e.value)[1].text for e in model.scenario.entries
                 if isinstance(e.value, str) and parse_quantity(e.value)[1] is not None]
        files = [os.path.abspath(f) for f in base.spec.files]
        from ..render.compiled import eval_entry  # loaded only when an entry is written
        save(eval_key(args), eval_entry(base.evaluated, units), files)
    except Exception:  # noqa: BLE001 - the answer is printed; a cache that cannot be written is no error
        if args.debug:
            traceback.print_exc()


def remember_checks(args, results) -> None:
    """Write a cache entry for each file that passed ``check`` (its report, and the files it read)."""
    for path, result in zip(args.files, results, strict=True):
        if result.ok and result.files:
            save(check_key(path), {"ok": True, "text": str(result)}, [os.path.abspath(f) for f in result.files])


def remember_verify(path, spec, text: str, verdicts) -> None:
    """Write the cache entry of one scenario's ``verify`` block (its text and each figure's verdict)."""
    save(verify_key(str(path)), {"text": text, "verdicts": [list(v) for v in verdicts]},
         [os.path.abspath(f) for f in spec.files])


def remember_sweep(args, model: Model, axes) -> None:
    """Write the cache entry of ``sweep`` for this scenario and variant (its base binding, without ``--set``);
    the sweep's axes are the probe grid, the unit texts of its axes and settings join the entry's unit table."""
    try:
        base = model if not model.scenario.entries else Model(bind(model.spec, model.scenario.variant, ()))
        units = [parse_quantity(e.value)[1].text for e in model.scenario.entries
                 if isinstance(e.value, str) and parse_quantity(e.value)[1] is not None]
        for axis in axes:
            for part in axis.text.partition("=")[2].replace(":", ",").split(","):
                unit = parse_quantity(part.strip())[1]
                if unit is not None:
                    units.append(unit.text)
        files = [os.path.abspath(f) for f in base.spec.files]
        from ..render.compiledgrid import sweep_entry
        from .sweepcached import sweep_key
        save(sweep_key(args), sweep_entry(base.scenario, [(a.name, a.values) for a in axes], units), files)
    except Exception:  # noqa: BLE001 - the answer is written; a cache that cannot be written is no error
        if args.debug:
            traceback.print_exc()
