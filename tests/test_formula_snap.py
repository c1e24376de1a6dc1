"""One snap rule for every backend: a relative 2**-45 (docs/conventions.md), so ceil(1e-10) is 1,
ceil(3.0000000001) is 4 and floor(0.7 * 90) is 63, in floats, numpy, constant folding, sympy and the page."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from conftest import fixture

import calcgraph
from calcgraph.core.formula import arrays
from calcgraph.core.formula import floats as numeric
from calcgraph.core.formula.from_sympy import compile_expr
from calcgraph.core.formula.parse import parse_formula
from calcgraph.render.page.html import RULES, engine_script

EXPECTED = {"up_tiny": 1.0, "up_near": 4.0, "down": 63.0, "folded": 63.0, "slot": 63.0}
INPUTS = ["tiny", "near", "ninety"]


@pytest.fixture(scope="module")
def model():
    return calcgraph.load(fixture("snap_rule.yaml"))


def test_the_rule_is_one_constant_shared_by_every_backend():
    assert numeric.SNAP == arrays.SNAP == RULES["snap"] == 2.0 ** -45
    assert numeric.HOLD == arrays.HOLD == RULES["hold"]
    assert (RULES["monotone"], RULES["equal"]) == (numeric.MONOTONE, numeric.EQUAL)


def test_floats_and_numpy_snap_relatively():
    for x, want in [(1e-10, 1e-10), (3.0000000001, 3.0000000001), (0.7 * 90, 63.0), (-0.7 * 90, -63.0),
                    (1000000000.4, 1000000000.4), (2.0 ** 60 + 2.0 ** 10, 2.0 ** 60 + 2.0 ** 10)]:
        assert numeric.snap_float(x) == want
        assert float(arrays.snap(np.float64(x))) == want
        assert arrays.snap(np.array([x, x])).tolist() == [want, want]


def test_constant_folding_rounds_as_values_round():
    for text, want in [("floor(0.7 * 90)", 63.0), ("ceil(7 * 27 / 3)", 63.0), ("ceil(1e-10)", 1.0),
                       ("ceil(3.0000000001)", 4.0), ("ceil_to(0.7 * 90, 62, 63)", 63.0)]:
        node = parse_formula(text).node
        assert node[:2] == ("num", want), text


def test_eval_numpy_closures(model):
    assert {n: model.value(n) for n in EXPECTED} == EXPECTED


def test_the_fast_evaluators_generated_floats(model):
    evaluator = model.evaluator(list(EXPECTED), INPUTS)
    values, check = evaluator._fast(1e-10, 3.0000000001, 90.0)  # the generated path, no fallback
    assert math.isfinite(check) and dict(zip(EXPECTED, values, strict=True)) == EXPECTED


def test_grids_of_numpy_arrays(model):
    evaluator = model.evaluator(list(EXPECTED), INPUTS)
    got = evaluator(np.array([1e-10, 1e-10]), np.array([3.0000000001, 3.0000000001]), np.array([90.0, 90.0]))
    got = [np.broadcast_to(v, (2,)).tolist() for v in got]  # a constant stays a float
    assert got == [[w, w] for w in EXPECTED.values()]


def test_sympy_forms_exact_and_compiled(model):
    values = {n: model.raw[n] for n in INPUTS}
    for name, want in EXPECTED.items():
        expr = model.expr(name)
        assert compile_expr(expr)(values) == want, name  # symnumeric: numpy over the sympy form
        exact = expr.subs({s: __import__("sympy").Rational(repr(values[str(s)])) for s in expr.free_symbols})
        assert float(exact) == want, name  # sympy, exact rationals


@pytest.mark.skipif(shutil.which("node") is None, reason="node not found: install Node.js to run the page's engine")
def test_the_pages_javascript_in_node(model):
    script = engine_script(model) + """
var values = Object.create(null);
CG_DATA.inputs.forEach(function (i) { values[i.name] = i.value; });
var env = cg.evaluate(values).env;
process.stdout.write(JSON.stringify({up_tiny: env.up_tiny, up_near: env.up_near, down: env.down,
  folded: env.folded, slot: env.slot, snapped: [cg.snap(1e-10), cg.snap(3.0000000001), cg.snap(0.7 * 90)]}));
"""
    done = subprocess.run([shutil.which("node"), "-"], input=script, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got.pop("snapped") == [1e-10, 3.0000000001, 63]  # the absolute 1e-9 made these 0 and 3
    assert got == EXPECTED
