"""erlang_c(servers, load): one definition, the same value in every backend (floats, numpy, sympy, generated
code, the page's JavaScript), its grammar and dimension rules."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sympy
from fuzz_settings import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from calcgraph.core.formula import floats as numeric
from calcgraph.core.formula.dimensions import infer_dim
from calcgraph.core.formula.from_sympy import compile_expr, lower
from calcgraph.core.formula.parse import parse_formula
from calcgraph.core.formula.pysource import source
from calcgraph.core.formula.queueing import erlang_c, erlang_c_float
from calcgraph.core.units import parse_unit
from calcgraph.errors import CalcgraphError, ExpressionError
from calcgraph.render.latex import formula_latex
from calcgraph.render.page.html import RULES
from calcgraph.render.page.javascript import js_expr

NODE = shutil.which("node")
ENGINE = Path(__file__).resolve().parents[1] / "calcgraph/render/page/assets/html_engine.js"

servers = st.integers(min_value=0, max_value=300)
loads = st.floats(min_value=0, max_value=320, allow_nan=False)


def _mmc_wait_probability(c: int, a: float) -> float:
    """Erlang C from its textbook sum (small c only: factorials), to check the recurrence against."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_of_two_servers_at_load_one_is_one_third():
    assert erlang_c_float(2, 1) == pytest.approx(1 / 3, rel=1e-14)


def test_erlang_c_of_four_servers_at_load_3_2_is_0_5964():
    assert erlang_c_float(4, 3.2) == pytest.approx(_mmc_wait_probability(4, 3.2), rel=1e-12)
    assert erlang_c_float(4, 3.2) == pytest.approx(0.596432, abs=1e-6)


@given(st.floats(min_value=0, max_value=0.999))
def test_erlang_c_of_one_server_is_its_utilisation(a):
    assert erlang_c_float(1, a) == pytest.approx(a, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("c, a", [(0, 0.0), (0, 2.0), (3, 3.0), (3, 7.5), (0.4, 0.1), (-5, 1.0), (-math.inf, 1.0)])
def test_erlang_c_is_one_without_servers_or_at_a_load_they_cannot_carry(c, a):  # -inf: once OverflowError
    assert erlang_c_float(c, a) == erlang_c(c, a) == 1.0
    assert erlang_c(np.array([c]), np.array([a]))[0] == 1.0


@pytest.mark.parametrize("c, a", [(4, -1.0), (math.nan, 1.0), (4, math.nan), (200_000, 1.0)])
def test_erlang_c_has_no_answer_for_a_negative_load_nan_or_too_many_servers(c, a):
    assert math.isnan(erlang_c_float(c, a))
    assert math.isnan(erlang_c(np.array([c], float), np.array([a]))[0])


def test_erlang_c_rounds_servers_to_the_nearest_whole_number():
    assert erlang_c_float(3.9999999, 2.0) == erlang_c_float(4, 2.0) == erlang_c_float(4.4, 2.0)


def test_erlang_c_past_its_stop_is_below_1e_30():
    assert erlang_c_float(60, 10) < 1e-25  # computed: 6.5e-27
    assert erlang_c_float(1000, 10) == 0.0  # past the stop (10 + 12 sqrt(10) + 40 = 88 servers)


@FUZZ
@given(st.integers(min_value=1, max_value=25), st.floats(min_value=0, max_value=30, allow_nan=False))
def test_erlang_c_recurrence_matches_the_textbook_sum(c, a):
    if a >= c:
        assert erlang_c_float(c, a) == 1.0
    else:
        assert erlang_c_float(c, a) == pytest.approx(_mmc_wait_probability(c, a), rel=1e-9, abs=1e-300)


@FUZZ
@given(servers, loads, st.floats(min_value=0, max_value=5, allow_nan=False))
def test_erlang_c_is_a_probability_that_rises_with_load_and_falls_with_servers(c, a, more):
    value = erlang_c_float(c, a)
    assert 0.0 <= value <= 1.0
    assert erlang_c_float(c, a + more) >= value - 1e-12
    assert erlang_c_float(c + 1, a) <= value + 1e-12


@FUZZ
@given(st.lists(st.tuples(servers, loads), min_size=1, max_size=20))
def test_every_python_backend_computes_the_same_erlang_c(pairs):
    c = np.array([p[0] for p in pairs], float)
    a = np.array([p[1] for p in pairs], float)
    want = np.array([erlang_c_float(x, y) for x, y in pairs])
    formula = parse_formula("erlang_c(c, a)")
    env = {"c": c, "a": a}
    scalar = numeric.build(f"def f(v0, v1):\n    return {source(formula.node, {'c': 'v0', 'a': 'v1'})}\n", "f", {})
    lowered = numeric.build(f"def g(v0, v1):\n    return {source(lower(formula.expr), {'c': 'v0', 'a': 'v1'})}\n",
                            "g", {})
    results = {
        "numpy": erlang_c(c, a),
        "evaluate": formula.function(env),
        "symnumeric": compile_expr(formula.expr)(env),
        "generated scalar": np.array([scalar(x, y) for x, y in pairs], float),
        "generated from sympy's lowering": np.array([lowered(x, y) for x, y in pairs], float),
        "sympy": np.array([float(formula.expr.subs({sympy.Symbol("c", real=True): x,
                                                     sympy.Symbol("a", real=True): y})) for x, y in pairs]),
    }
    for name, got in results.items():
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=name)


@pytest.mark.skipif(NODE is None, reason="node not found: the page's erlangC is checked with Node.js")
def test_the_page_computes_the_same_erlang_c():
    rng = np.random.default_rng(3)
    pairs = [(int(c), float(a)) for c, a in zip(rng.integers(0, 200, 300), rng.uniform(0, 220, 300), strict=True)]
    pairs += [(4, 3.2), (1, 0.5), (0, 1.0), (3, 3.0), (60, 10.0), (1000, 10.0)]
    # servers rounded half to even, as Python's round and numpy's rint do: 2.5 -> 2, 3.5 -> 4
    pairs += [(2.5, 1.0), (3.5, 1.0), (4.5, 3.9), (1.5, 0.5), (100000.5, 10.0), (100001.0, 10.0)]
    calls = f"{json.dumps(pairs)}.map(function (p) {{ return cg.erlangC(p[0], p[1]); }})"
    script = f"var CG_DATA = {{quantities: {{}}, order: [], rules: {json.dumps(RULES)}}};\n" + ENGINE.read_text() \
        + f"\nprocess.stdout.write(JSON.stringify({calls}));"
    done = subprocess.run([NODE, "-"], input=script, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    want = [erlang_c_float(c, a) for c, a in pairs]
    np.testing.assert_allclose([math.nan if g is None else g for g in got], want, rtol=1e-12, atol=0)
    assert got[-6:-2] == [erlang_c_float(c, a) for c, a in [(2, 1.0), (4, 1.0), (4, 3.9), (2, 0.5)]]
    assert js_expr(parse_formula("erlang_c(n, a)").node) == "cg.erlangC(v.n, v.a)"


def test_a_constant_erlang_c_is_folded():
    assert parse_formula("erlang_c(4, 3.2)").node[1] == pytest.approx(0.5964324717874046, rel=1e-15)


@pytest.mark.parametrize("text", ["erlang_c(4)", "erlang_c(4, 3, 2)", "erlang_c(c=4, a=3)"])
def test_erlang_c_takes_exactly_servers_and_load(text):
    with pytest.raises(ExpressionError):
        parse_formula(text)


def test_erlang_c_of_seconds_is_a_unit_mismatch():
    names = {"c": parse_unit("1").dim, "t": parse_unit("s").dim}
    with pytest.raises(CalcgraphError, match="erlang_c"):
        infer_dim(parse_formula("erlang_c(c, t)").node, names)
    assert infer_dim(parse_formula("erlang_c(c, c)").node, names) == parse_unit("1").dim


def test_erlang_c_prints_as_the_erlang_c_function_in_latex():
    tree = parse_formula("erlang_c(c, a)").tree
    assert formula_latex(tree, lambda n: n) == r"C_{\mathrm{Erlang}}\left(c, a\right)"


def test_erlang_c_derivative_in_load_is_its_slope_and_in_servers_zero():
    expr = parse_formula("erlang_c(c, a)").expr
    c, a = sympy.Symbol("c", real=True), sympy.Symbol("a", real=True)
    slope = float(sympy.diff(expr, a).subs({c: 4, a: 3.2}))
    step = 1e-5
    assert slope == pytest.approx((erlang_c_float(4, 3.2 + step) - erlang_c_float(4, 3.2 - step)) / (2 * step),
                                  rel=1e-4)
    assert sympy.diff(expr, c) == 0
