"""The report's Answer: fit, bound, latency, throughput and cost, each linked to its derivation (lines whose
quantities a scenario lacks or leaves unknown are left out)."""

from __future__ import annotations

import math

from calcgraph.render.latex import value_text

IDEALS = (
    ("hbm_efficiency", 1.0, "peak HBM bandwidth (`hbm_efficiency` = 1)"),
    ("comm_enabled", 0.0, "no communication time (`comm_enabled` = 0)"),
    ("hbm_usable_fraction", 1.0, "all of HBM for weights and KV cache (`hbm_usable_fraction` = 1)"),
)


def _known(ev, name: str) -> bool:
    return name in ev.graph and math.isfinite(ev.values[name])  # every quantity has a value, NaN when unknown


def _v(ev, name: str) -> float:
    return float(ev.values[name])


def _q(ev, name: str, target) -> str:
    return f"{target(name)} = **{value_text(ev, name)}**"


def _fits(ev, target) -> str | None:
    need = "kv_cache_allocated" if _known(ev, "kv_cache_allocated") else "kv_cache_bytes"
    have = "usable_hbm" if _known(ev, "usable_hbm") else "hbm_capacity"
    if not all(_known(ev, n) for n in ("param_bytes", need, have)):
        return None
    used = _v(ev, "param_bytes") + _v(ev, need)
    share = 100 * used / _v(ev, have) if _v(ev, have) > 0 else math.inf
    what = f"weights ({value_text(ev, 'param_bytes')}) and KV cache ({value_text(ev, need)})"
    if used <= _v(ev, have):
        line = f"- **Fits**: {what} take {share:.0f} % of {_q(ev, have, target)}"
    else:
        line = (f"- **Does not fit**: {what} need {share:.0f} % of {_q(ev, have, target)}: lower `batch` or "
                "`seq_len`, or add chips")
        if _known(ev, "min_chips"):
            line += f" ({_q(ev, 'min_chips', target)} hold them)"
    if _known(ev, "max_batch"):
        line += f"; the largest batch that fits is {_q(ev, 'max_batch', target)}"
    return line + "."


def _bound(ev, target) -> str | None:
    if not all(_known(ev, n) for n in ("batch", "b_crit")):
        return None
    batch, crit = _v(ev, "batch"), _v(ev, "b_crit")
    at = f"`batch` = {value_text(ev, 'batch')} against {_q(ev, 'b_crit', target)}"
    if batch < crit:
        line = (f"- **Memory-bandwidth bound**: {at}: a step streams the weights and the KV cache longer than it "
                "computes, so a larger batch adds throughput at almost no cost in step time")
        if _known(ev, "max_batch") and _v(ev, "max_batch") < crit:
            line += (f"; HBM stops the batch at {value_text(ev, 'max_batch')}, below `b_crit`: to batch more, "
                     "free HBM (fewer KV bytes, shorter `seq_len`) or add chips")
        return line + "."
    return (f"- **Compute bound**: {at}: the step grows with the batch; lower the batch for latency, or add "
            "chips (or faster ones) for both.")


_GLOSS = {"t_step": "one decode step", "ttft": "to the first token, prefill included",
          "tpot": "per output token, the prefills that share the chips included"}
_LISTS = (("Latency", ("t_step", "ttft", "tpot"), "; "),
          ("Throughput and cost", ("throughput", "throughput_per_chip", "cost_per_million_tokens"), ", "))


def _listed(ev, target, title: str, names, sep: str) -> str | None:
    parts = [_q(ev, n, target) + (f" ({_GLOSS[n]})" if n in _GLOSS else "") for n in names if _known(ev, n)]
    return f"- **{title}**: " + sep.join(parts) + "." if parts else None


def _upper(ev) -> list[str]:
    ideals = [text for name, ideal, text in IDEALS if _known(ev, name) and _v(ev, name) == ideal]
    return [("- **Upper bound**: these throughput and lower-bound latency figures assume " + ", ".join(ideals)
             + "; real engines reach less (see [Assumptions](#assumptions)).")] if ideals else []


def answer_lines(ev, target) -> list[str]:
    """Markdown lines of the Answer section (empty when the scenario computes none of its figures).

    ``target(name)`` links a quantity to its derivation.

    >>> import calcgraph
    >>> from calcgraph.render.report.sections import link
    >>> lines = answer_lines(calcgraph.load().evaluated, link)
    >>> lines[0].startswith("- **Fits**") and any("Memory-bandwidth bound" in line for line in lines)
    True
    """
    listed = [_listed(ev, target, *item) for item in _LISTS]
    lines = [line for line in [_fits(ev, target), _bound(ev, target)] + listed if line]
    return lines + _upper(ev) if any(listed) else lines
