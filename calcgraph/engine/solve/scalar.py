"""One scalar solve: the scan (``problem.scan``), then regula falsi with bisection (integers) or brentq
(continuous); the answer verified; a sympy closed form kept only when it agrees."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from calcgraph.core.constraints import Constraint
from calcgraph.core.formula.arrays import feasible, slacks
from calcgraph.core.formula.floats import EQUAL, slack
from calcgraph.core.numbers import format_number
from calcgraph.core.units import Unit, to_unit
from calcgraph.engine.solve.problem import (
    Problem,
    bounds,
    describe_failure,
    refine_continuous,
    refine_integer,
    scan,
    scan_points,
)
from calcgraph.errors import NoSolutionError, SolveError

INTEGER_METHOD = "integer search: log-spaced scan, then regula falsi with bisection"
CONTINUOUS_METHOD = "continuous: log-spaced scan, then brentq"


@dataclass(frozen=True)
class Slack:
    """How far one constraint is from failing at the answer: ``right - left`` (or ``left - right``)."""

    constraint: Constraint
    difference: float  # base units, signed like the constraint: >= 0 holds

    @property
    def expression(self) -> str:
        """The difference as the user would write it: ``hbm_capacity - total_memory``."""
        c = self.constraint
        big, small = (c.right, c.left) if c.op in ("<=", "<") else (c.left, c.right)
        if "+" in small or "-" in small:  # "a - (b + c)", never "a - b + c"
            small = f"({small})"
        return f"{big} - {small}"


@dataclass(frozen=True)
class SolveResult:
    """An answer, how it was found and why it is right."""

    for_name: str
    value: float  # base units
    unit: Unit
    integer: bool
    direction: str  # "largest", "smallest" or "value of" (an equation)
    constraints: tuple[Constraint, ...]
    binding: tuple[Constraint, ...]
    method: str
    bracket: tuple[float, float]  # in the declared unit of for_name
    evaluations: int
    slacks: tuple[Slack, ...]
    closed_form: object = None  # a sympy expression, or None
    points: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def shown(self) -> float:
        """The value in the declared unit of ``for_name``."""
        return float(to_unit(self.value, self.unit))

    @property
    def binding_text(self) -> str | None:
        """The binding constraints as written, joined by 'and'; None when none binds."""
        return " and ".join(c.text for c in self.binding) or None


def _solve_equation(problem: Problem, env: dict, describe: bool) -> SolveResult:
    """``lhs == rhs``: the boundary of the matching inequality, then equality checked there."""
    spec, name = problem.spec, problem.spec.for_name
    if len(spec.constraints) != 1:
        raise SolveError("an equation (==) must be the only constraint", where=spec.where,
                         hint="solve the equation alone, or write the others as inequalities")
    (equation,) = spec.constraints
    low = bounds(problem, env)[0] * problem.target.unit.factor
    ((lhs, rhs),) = problem.sides_at(env, low)
    op = "<=" if lhs <= rhs else ">="
    inequality = replace(equation, comparison=replace(equation.comparison, op=op))
    bounded = Problem(problem.scenario, replace(spec, constraints=(inequality,)), problem.node_solve)
    result = solve_problem(bounded, env, describe)
    candidates = [result.value]
    if spec.integer:
        step = problem.target.unit.factor if result.direction == "largest" else -problem.target.unit.factor
        candidates.append(result.value + step)
    for x in candidates:
        ((lhs, rhs),) = problem.sides_at(env, x)
        if abs(float(lhs) - float(rhs)) <= EQUAL * max(abs(float(lhs)), abs(float(rhs)), 1e-300):
            return replace(result, value=x, direction="value of", constraints=(equation,), binding=(equation,),
                           evaluations=result.evaluations + problem.evaluations, closed_form=None,
                           points=result.points + problem.points,
                           slacks=tuple(Slack(equation, 0.0) for _ in result.slacks))
    shown = [format_number(c / problem.target.unit.factor) for c in candidates]
    raise NoSolutionError(f"no whole {name} gives {equation.text}: it passes between {name} = "
                          f"{' and '.join(shown)}", where=spec.where,
                          hint="solve for a continuous value, or write the constraint as <= or >=")


def _no_answer(spec, message: str, hint: str, reason: str) -> NoSolutionError:
    error = NoSolutionError(message, where=spec.where, hint=hint)
    error.reason = reason  # in a few words, for the solve nodes' reasons
    return error


def solve_problem(problem: Problem, env: dict, describe: bool = True) -> SolveResult:
    """Solve one scalar problem (every env value a scalar) and verify the answer; ``describe=False`` skips
    the closed form. NoSolutionError: no answer, a constraint that never binds, not monotone."""
    if any(c.op == "==" for c in problem.spec.constraints):
        return _solve_equation(problem, env, describe)
    spec, name, factor = problem.spec, problem.spec.for_name, problem.target.unit.factor
    low, high = bounds(problem, env)
    points = scan_points(low, high, spec.integer)
    _, rows, ok, runs, turning, gi, bi = scan(problem, env, points, grid=False)
    ok, gi, bi = ok[:, 0], int(gi[0]), int(bi[0])
    combined = np.fmin.reduce([row[:, 0] for row in rows])  # a silent nanmin
    text = " and ".join(c.text for c in spec.constraints)
    bracket = f"[{format_number(low)}, {format_number(high)}]"
    if not ok.any():
        best = points[int(np.argmax(np.where(np.isfinite(combined), combined, -np.inf)))]  # the first: none finite
        raise NoSolutionError(f"no {name} in {bracket} satisfies {text}; the closest, "
                              + describe_failure(problem, env, best * factor, name),
                              where=spec.where, hint="relax the constraint or change other inputs")
    if ok.all():
        raise _no_answer(spec, f"{text} never binds for {name} in {bracket}: it holds everywhere",
                         "the answer is not limited by this constraint; widen the bounds or add the constraint "
                         "that limits it", f"the constraints hold for every {name} in the bounds")
    for c, turns in zip(spec.constraints, turning, strict=True):
        if turns[0]:
            raise _no_answer(spec, f"the constraint {c.text!r} is not monotone in {name} over "
                             f"[{format_number(points[0])}, {format_number(points[-1])}]: it holds and fails more "
                             "than once",
                             "narrow the bounds to one side of the turn, or solve another input",
                             f"{c.text} is not monotone in {name}")
    if runs[0] > 1:
        raise _no_answer(spec, f"{text} holds on separate stretches of {name} in {bracket}", "narrow the bounds",
                         f"the constraints hold on separate stretches of {name}")
    notes = []
    if not ok[0] and not ok[-1]:  # the one stretch that holds is inside the bracket
        notes.append(f"the constraints also fail below {name} = {format_number(points[np.argmax(ok) - 1])}; "
                     "this is the largest value")
    direction, good, bad = "largest" if bi > gi else "smallest", points[gi], points[bi]
    if spec.integer:
        good, bad = refine_integer(problem, env, int(good), int(bad), combined[gi], combined[bi], factor)
        method = INTEGER_METHOD
    else:
        good, bad = refine_continuous(problem, env, float(good), float(bad), factor)
        method = CONTINUOUS_METHOD
    value = float(good) * factor
    at_answer = problem.sides_at(env, value)
    fails_out = problem.slacks_at(env, float(bad) * factor)
    if not feasible(problem.ops, slacks(problem.ops, at_answer)) or feasible(problem.ops, fails_out):
        raise NoSolutionError(f"could not verify the answer {name} = {format_number(good)}",
                              where=spec.where, hint="report this: the constraints may be discontinuous")
    binding = tuple(c for c, s in zip(spec.constraints, fails_out, strict=True) if not np.all(s >= 0))
    slack_rows = tuple(Slack(c, slack(c.op, float(lhs), float(rhs)))
                       for c, (lhs, rhs) in zip(spec.constraints, at_answer, strict=True))
    closed, note = None, None
    if describe:  # sympy: only a reader of the working needs it
        from calcgraph.engine.solve.closed_form import agreeing_closed_form
        closed, note = agreeing_closed_form(problem.graph, spec, env, good, direction, factor)
    notes += [note] if note else []
    return SolveResult(for_name=name, value=value, unit=problem.target.unit, integer=spec.integer,
                       direction=direction, constraints=spec.constraints, binding=binding, method=method,
                       bracket=(low, high), evaluations=problem.evaluations, slacks=slack_rows,
                       closed_form=closed, points=problem.points, notes=tuple(notes))
