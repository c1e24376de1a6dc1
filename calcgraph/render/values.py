"""The pieces every output shares, so that eval, ``explain``, the report, ``best`` and plots agree: a value in its
display unit, where it came from, a solve's working."""

from __future__ import annotations

import math
import os
import re

from calcgraph.core.units import shown_parts
from calcgraph.engine.evaluated import Evaluated, NodeState
from calcgraph.engine.solve.problem import side_text
from calcgraph.engine.solve.scalar import Slack
from calcgraph.errors import Location

_CONTROL = {"\x07": "\\a", "\x08": "\\b", "\x0c": "\\f", "\t": "\\t", "\x0b": "\\v", "\r": "\\r",
            "\n": "\\n"}   # a LaTeX backslash that a YAML double-quoted string took for an escape
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
          "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "Phi": "Φ",
          "Pi": "Π", "Sigma": "Σ", "Delta": "Δ", "Gamma": "Γ", "Lambda": "Λ", "Theta": "Θ", "omega": "ω"}
_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307"}
_SUPER = dict(zip("0123456789abcdefghijklmnoprstuvwxyz+-=()*'",
                  "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ⁺⁻⁼⁽⁾*'", strict=True))


def _superscript(text: str) -> str:
    return "".join(_SUPER[c] for c in text) if all(c in _SUPER for c in text) else f"^({text})"


def plain_symbol(latex: str) -> str:
    r"""A LaTeX symbol as plain Unicode for a terminal: ``\hat{P}`` -> ``P̂``, ``T^{mm}_{ici}`` -> ``Tᵐᵐ_ici``.

    >>> plain_symbol(r"B_{\text{crit}}"), plain_symbol(r"\Phi_{bf16}"), plain_symbol("1_{chip}")
    ('B_crit', 'Φ_bf16', '1 chip')
    """
    text = "".join(_CONTROL.get(c, c) for c in latex)
    text = re.sub(r"\\(?:mathrm|text|mathit|operatorname|mathbf)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\(hat|bar|tilde|dot)\{([^{}])\}", lambda m: m.group(2) + _ACCENTS[m.group(1)], text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), text)
    text = text.replace(r"\_", "_").replace("\\", "")
    text = re.sub(r"\^\{([^{}]*)\}|\^(.)", lambda m: _superscript(m.group(1) or m.group(2)), text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text).replace(" ", "")
    if re.fullmatch(r"\d+_[A-Za-z]+", text):          # a unit constant: 1_{chip} is one chip
        text = text.replace("_", " ")
    return re.sub(r"[{}]", "", text)


def place(where) -> str:
    """A file:line (or argument) for display: the path relative to the working directory, normalised
    (``scratch/../formulas/x.yaml`` -> ``formulas/x.yaml``); absolute when far outside it.

    >>> place(Location("scratch/../formulas/model.yaml", 5))
    'formulas/model.yaml:5'
    """
    if not isinstance(where, Location):
        return str(where)
    path = os.path.abspath(where.file)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # on another drive (Windows): no relative path
        rel = path
    shown = path if rel.startswith(os.pardir + os.sep + os.pardir) else rel
    return f"{shown}:{where.line}" if where.line else shown


def finite(value) -> float | None:
    """``value`` as a float, or None (JSON null) when it is missing, NaN or infinite."""
    return float(value) if value is not None and math.isfinite(value) else None


NO_VALUE = "no value satisfies the constraints"  # = errors.NoSolutionError.reason


def origin_text(state: str, origin: str | None, placed: str | None, missing=(), reason: str | None = None) -> str:
    """How a value came to be, from its state (a NodeState value) and its binding (origin, placed where).

    >>> origin_text("input", "default", "formulas/model.yaml:5"), origin_text("unknown", None, None, ["price"])
    ('default: formulas/model.yaml:5', 'unknown: needs price')
    """
    if state == "unknown":
        return f"unknown at {placed}: give it a value" if origin is not None else "unknown: needs " + ", ".join(missing)
    if state == "no answer":
        return f"solved: {NO_VALUE}" if reason in (None, NO_VALUE) else f"solved: no answer, {reason}"
    fixed = {"solved": "solved", "formula": "", "pinned": f"pinned: {placed}"}
    return fixed.get(state, f"{'set' if origin == 'scenario' else origin}: {placed}")


def shown(ev: Evaluated, name: str, digits: int = 5) -> tuple[str, str]:
    """(number, unit) of ``name`` in its display unit."""
    quantity = ev.graph[name]
    return shown_parts(ev.values[name], quantity.unit, quantity.display, digits)


def shown_value(ev: Evaluated, name: str, value: float, digits: int = 5) -> str:
    """A base-unit ``value`` of the quantity ``name`` as ``number unit`` text, counts plural: ``64 chips``."""
    quantity = ev.graph[name]
    number, unit = shown_parts(value, quantity.unit, quantity.display, digits)
    unit = "chips" if unit == "chip" and number not in ("1", "-1") else unit  # "64 chips", "1 chip"
    return f"{number} {unit}".rstrip()


def origin_mark(ev: Evaluated, name: str) -> str:
    """How a value came to be: 'default: where', 'set: where', 'pinned: where', 'solved', 'unknown: ...' or ''."""
    state, bound = ev.states[name], ev.scenario.bound.get(name)
    if bound is not None:
        return origin_text(state.value, bound.origin, place(bound.where), (), ev.reasons.get(name))
    missing = unknown_causes(ev).get(name, ()) if state is NodeState.UNKNOWN else ()
    return origin_text(state.value, None, None, missing, ev.reasons.get(name))


_CAUSES: list = [None, {}]  # the last Evaluated asked about, and its causes


def unknown_causes(ev: Evaluated) -> dict[str, tuple[str, ...]]:
    """For each unknown computed quantity, the unknown inputs and unanswered solve nodes behind it (one pass in
    evaluation order, remembered for the last scenario: the eval table asks once per row)."""
    if _CAUSES[0] is ev:
        return _CAUSES[1]
    graph, causes = ev.graph, {}
    for name in graph.order:
        state = ev.states[name]
        if state is NodeState.NO_ANSWER or (state is NodeState.UNKNOWN and name in ev.scenario.bound):
            causes[name] = (name,)
        elif state is NodeState.UNKNOWN:
            causes[name] = tuple(dict.fromkeys(c for p in graph.pred.get(name, ()) for c in causes.get(p, ())))
    _CAUSES[:] = [ev, causes]
    return causes


def slack_text(slack: Slack) -> str:
    """``hbm_capacity - total_memory = 1.2 GB``: a constraint's slack as the user wrote its sides."""
    return f"{slack.expression} = {side_text(slack.constraint, slack.difference)}"


def solve_question(ev: Evaluated, name: str) -> str:
    """What the solve node ``name`` asks: ``batch with total_memory <= hbm_capacity``."""
    spec = ev.graph[name].solve
    return f"{spec.for_name} with " + " and ".join(c.text for c in spec.constraints)
