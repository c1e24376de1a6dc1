"""The answer of ``best`` as Markdown: the winner, the best candidates, what was ruled out, the derivation."""

from __future__ import annotations

from ..engine.best import BestResult, Candidate, winner_evaluated
from ..engine.evaluated import Evaluated
from .explain import explain_text
from .values import shown_value

SHOWN = 12



def _setting_text(ev: Evaluated, candidate: Candidate) -> str:
    parts = ([f"variant {candidate.variant}"] if candidate.variant else [])
    parts += [f"{name} = {shown_value(ev, name, value)}" for name, value in candidate.settings]
    return ", ".join(parts) or "the scenario as it is"



def render_best(ev: Evaluated, result: BestResult) -> str:
    """The answer, a table of the best candidates (per variant and overall) and the derivation."""
    goal, winner = result.goal, result.winner
    word = "highest" if result.sense == "max" else "lowest"
    lines = [f"# Best configuration: {word} {goal}", "",
             f"Scenario: {ev.spec.title} ({ev.spec.path})",
             f"Constraints: {' and '.join(result.constraints) or 'none'}",
             f"Candidates: {len(result.candidates):,}, of which {result.feasible:,} satisfy the constraints", "",
             f"**{goal} = {shown_value(ev, goal, winner.goal)}** at {_setting_text(ev, winner)}", ""]
    ranked = sorted((c for c in result.candidates if c.feasible),
                    key=lambda c: -c.goal if result.sense == "max" else c.goal)
    ranked = [winner] + [c for c in ranked if c is not winner]
    best_per_variant = {}
    for c in ranked:
        best_per_variant.setdefault(c.variant, c)
    shown = list(dict.fromkeys(ranked[:SHOWN] + list(best_per_variant.values())))
    columns = ["variant"] if any(c.variant for c in result.candidates) else []
    columns += [name for name, _ in winner.settings] + [goal]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for c in shown:
        cells = ([c.variant or ""] if columns[:1] == ["variant"] else [])
        cells += [shown_value(ev, n, v) for n, v in c.settings] + [shown_value(ev, goal, c.goal)]
        lines.append("| " + " | ".join(cells) + " |")
    infeasible = [c for c in result.candidates if not c.feasible]
    if infeasible:
        reasons: dict[str, int] = {}
        for c in infeasible:
            for text in c.failing or ("no value",):
                reasons[text] = reasons.get(text, 0) + 1
        lines += ["", "Ruled out: " + "; ".join(f"{n:,} fail {t}" for t, n in reasons.items())]
    chosen = winner_evaluated(ev, result)
    lines += ["", f"## Derivation of {goal} at the winner", "", "```", explain_text(chosen, goal).rstrip(), "```"]
    return "\n".join(lines) + "\n"
