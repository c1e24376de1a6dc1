"""Predictions against measurements as text, Markdown, CSV, JSON and a log-log plot."""

from __future__ import annotations

import json

from calcgraph.engine.measured import Prediction, Summary
from calcgraph.render.text import aligned_lines, csv_text, md_lines
from calcgraph.render.values import finite

COLUMNS = ("id", "chip", "model", "dtypes", "tp", "isl", "osl", "batch", "measured", "predicted", "ratio",
           "roofline", "likely cause")
NOTE = ("ratio = predicted / measured; * batch not published: the largest that fits (max_batch under "
        "calibrated.yaml), capped at 2,048")


def _row(p: Prediction) -> list[str]:
    c = p.case
    batch = f"{p.batch}*" if p.batch_solved else str(p.batch)
    return [c.id, c.chip, c.model, "+".join(c.dtypes), str(c.tp_degree), f"{c.prefill_len:g}", f"{c.gen_len:g}",
            batch, f"{c.measured_per_chip:,.0f}", f"{p.predicted:,.0f}", f"{p.ratio:.2f}", f"{p.roofline:,.0f}",
            p.likely_cause]


def summary_lines(summary: Summary, assumptions: str) -> list[str]:
    """The summary in a few sentences."""
    if not summary.count:
        return ["no cases"]
    lines = [f"{summary.count} cases under {assumptions}.yaml: median absolute error {summary.median_abs_error:.1%}, "
             f"{summary.within_15:.0%} within 15 %, {summary.within_25:.0%} within 25 %",
             f"pure roofline (chapter.yaml, mfu 1) at or above the measurement in "
             f"{summary.count - len(summary.roofline_violations)} of {summary.count} cases"
             + (f" (below it: {', '.join(summary.roofline_violations)})" if summary.roofline_violations else "")]
    if summary.orderings:
        right = sum(ok for *_, ok in summary.orderings)
        lines.append(f"same-benchmark chip orderings right: {right} of {len(summary.orderings)}"
                     + "".join(f"; {label}: measured {m} ahead, predicted {p} ahead"
                               for label, m, p, ok in summary.orderings if not ok))
    lines.append("worst: " + "; ".join(f"{p.case.id} (ratio {p.ratio:.2f}: {p.likely_cause})" for p in summary.worst))
    return lines


def validation_text(predictions: list[Prediction], summary: Summary, assumptions: str) -> str:
    """An aligned table (tokens/s per chip) and the summary."""
    lines = aligned_lines([COLUMNS] + [_row(p) for p in predictions], range(3, 12), "-" * 12, strip=False)
    notes = ["", f"measured, predicted and roofline in output tokens/s per chip; {NOTE}", ""]
    return "\n".join(lines + notes + summary_lines(summary, assumptions)) + "\n"


def validation_markdown(predictions: list[Prediction], summary: Summary, assumptions: str) -> str:
    """A GitHub Markdown table and the summary as a list."""
    lines = md_lines([COLUMNS] + [_row(p) for p in predictions], ["---"] * 4 + ["--:"] * 8 + ["---"])
    lines += ["", f"Tokens/s per chip; {NOTE}.", ""]
    lines += [f"- {line}" for line in summary_lines(summary, assumptions)]
    return "\n".join(lines) + "\n"


def _record(p: Prediction) -> dict:
    c = p.case
    return {"id": c.id, "file": p.file, "line": c.where.line, "model": c.model, "chip": c.chip,
            "dtypes": list(c.dtypes), "chips": c.chips, "tp_degree": c.tp_degree, "engine": c.engine,
            "prefill_len": c.prefill_len, "gen_len": c.gen_len, "batch": p.batch, "batch_solved": p.batch_solved,
            "benchmark": c.benchmark, "measured": c.measured_per_chip, "predicted": p.predicted,
            "ratio": p.ratio, "roofline": p.roofline, "unit": "token/s/chip", "likely_cause": p.likely_cause,
            "shares": p.shares, "source": c.source,
            "tpot_measured": c.tpot, "tpot_predicted": p.tpot if c.tpot is not None else None}


def validation_json(predictions: list[Prediction], summary: Summary, assumptions: str) -> str:
    """Every case and the summary as one JSON object."""
    return json.dumps({
        "assumptions": assumptions, "cases": [_record(p) for p in predictions],
        "summary": {"count": summary.count, "median_abs_error": finite(summary.median_abs_error),
                    "within_15": finite(summary.within_15), "within_25": finite(summary.within_25),
                    "roofline_violations": list(summary.roofline_violations),
                    "orderings": [{"benchmark": b, "measured_ahead": m, "predicted_ahead": p, "right": ok}
                                  for b, m, p, ok in summary.orderings],
                    "worst": [p.case.id for p in summary.worst]}}, indent=2) + "\n"


def validation_csv(predictions: list[Prediction]) -> str:
    """One row per case, full precision."""
    fields = ["id", "file", "line", "model", "chip", "dtypes", "chips", "tp_degree", "engine", "prefill_len",
              "gen_len", "batch", "batch_solved", "benchmark", "measured", "predicted", "ratio", "roofline", "unit",
              "tpot_measured", "tpot_predicted", "likely_cause"]
    records = [{**_record(p), "dtypes": "+".join(p.case.dtypes)} for p in predictions]
    return csv_text([fields] + [[repr(v) if isinstance(v, float) else v for v in (r[f] for f in fields)]
                                for r in records])


def validation_plot(predictions: list[Prediction], path: str, assumptions: str) -> None:
    """Measured against predicted, log-log, one colour and marker per chip, the diagonal and a 25 % band."""
    from calcgraph.render.plot import pyplot, save_figure
    fig, ax = pyplot().subplots(figsize=(7, 6), dpi=110)
    chips = sorted({p.case.chip for p in predictions})
    markers = "osD^v<>Xp*h"
    for i, chip in enumerate(chips):
        mine = [p for p in predictions if p.case.chip == chip]
        ax.scatter([p.case.measured_per_chip for p in mine], [p.predicted for p in mine], label=chip,
                   marker=markers[i % len(markers)], s=36, alpha=0.85)
    values = [v for p in predictions for v in (p.case.measured_per_chip, p.predicted) if v > 0]
    low, high = min(values) / 1.5, max(values) * 1.5
    ax.plot([low, high], [low, high], color="black", linewidth=1, label="predicted = measured")
    ax.fill_between([low, high], [low * 0.75, high * 0.75], [low * 1.25, high * 1.25], color="grey", alpha=0.15,
                    label="within 25 %")
    ax.set(xscale="log", yscale="log", xlim=(low, high), ylim=(low, high),
           xlabel="measured output tokens/s per chip", ylabel=f"predicted ({assumptions}.yaml), tokens/s per chip",
           title=f"calcgraph against {len(predictions)} published measurements")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    save_figure(fig, path)
