"""Solve nodes: the solver the engine injects into the core evaluator (one compiled Problem per node)."""

from __future__ import annotations

import math

import numpy as np

from calcgraph.core.bind import Scenario
from calcgraph.engine.solve.grid import solve_grid
from calcgraph.engine.solve.problem import Problem
from calcgraph.engine.solve.scalar import SolveResult, solve_problem
from calcgraph.errors import NoSolutionError


class NodeSolver:
    """Solves the solve nodes of one scenario: ``solver(name, env) -> value`` (base units, NaN: no answer)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._problems: dict[str, Problem] = {}
        self.reasons: dict[str, str] = {}  # solve node -> why its last scalar solve had no answer

    def problem(self, name: str) -> Problem:
        """The compiled problem of the solve node ``name`` (counters reset)."""
        if name not in self._problems:
            self._problems[name] = Problem(self.scenario, self.scenario.graph[name].solve, self)
        problem = self._problems[name]
        problem.evaluations = problem.points = 0
        return problem

    def __call__(self, name: str, env: dict):
        problem = self.problem(name)
        if not any(np.ndim(v) > 0 for v in env.values()):
            try:
                return solve_problem(problem, env, describe=False).value
            except NoSolutionError as exc:
                self.reasons[name] = exc.reason
                return math.nan
        return solve_grid(problem, env)

    def details(self, name: str, values: dict) -> SolveResult:
        """The scalar solve of ``name`` at ``values`` with its working (closed form included)."""
        env = {n: v for n, v in values.items() if n != name}
        return solve_problem(self.problem(name), env)
