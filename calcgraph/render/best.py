"""The answer of ``best`` as Markdown: the winner, the best candidates, what was ruled out, the derivation."""

from __future__ import annotations

from calcgraph.engine.best import BestResult, Candidate, winner_evaluated
from calcgraph.engine.evaluated import Evaluated
from calcgraph.render.explain import explain_text
from calcgraph.render.values import shown_value


def _setting_text(ev: Evaluated, candidate: Candidate) -> str:
    parts = ([f"variant {candidate.variant}"] if candidate.variant else [])
    parts += [f"{name} = {shown_value(ev, name, value)}" for name, value in candidate.settings]
    return ", ".join(parts) or "the scenario as it is"


def _verification_lines(ev: Evaluated, result: BestResult) -> list[str]:
    """How an integer goal's winner was checked, one sentence: it holds alone, the next better fails."""
    parts = [f"{label}, {shown_value(ev, result.goal, candidate.goal)} at {_setting_text(ev, candidate)}, "
             + (f"fails {' and '.join(failing)}" if failing else "satisfies every constraint when evaluated on its own")
             for label, candidate, failing in result.verification]
    return ["", "Verified: " + "; ".join(parts) + "."] if parts else []


def render_best(ev: Evaluated, result: BestResult) -> str:
    """The answer, a table of the best candidates (per variant and overall) and the derivation."""
    goal, winner = result.goal, result.winner
    word = "highest" if result.sense == "max" else "lowest"
    lines = [f"# Best configuration: {word} {goal}", "",
             f"Scenario: {ev.spec.title} ({ev.spec.path})",
             f"Constraints: {' and '.join(result.constraints) or 'none'}",
             f"Candidates: {result.total:,}, of which {result.feasible:,} satisfy the constraints", "",
             f"**{goal} = {shown_value(ev, goal, winner.goal)}** at {_setting_text(ev, winner)}"]
    lines += _verification_lines(ev, result) + [""]
    shown = list(dict.fromkeys(list(result.ranked) + list(result.per_variant)))
    variants = any(v for v in result.variants)
    columns = ["variant"] * variants + [name for name, _ in winner.settings] + [goal]
    rows = [[c.variant or ""] * variants + [shown_value(ev, n, v) for n, v in c.settings]
            + [shown_value(ev, goal, c.goal)] for c in shown]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if result.ruled_out:
        lines += ["", "Ruled out: " + "; ".join(f"{n:,} fail {t}" for t, n in result.ruled_out)]
    chosen = winner_evaluated(ev, result)
    lines += ["", f"## Derivation of {goal} at the winner", "", "```", explain_text(chosen, goal).rstrip(), "```"]
    return "\n".join(lines) + "\n"
