"""Fuzzed formulas from the grammar: each is accepted or refused with a CalcgraphError without
hanging, and an accepted one agrees with an exact evaluation (fractions / mpmath) where finite."""

from __future__ import annotations

import math
import re
import sys

import mpmath
import numpy as np
import pytest
from fuzz_settings import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from calcgraph.core.evaluate import compile_node
from calcgraph.core.formula.from_sympy import compile_expr
from calcgraph.core.formula.parse import parse_formula
from calcgraph.errors import CalcgraphError, EvaluationError

NAMES = {"a": 3.0, "b": 0.7, "c": 1e9}
NUMBERS = st.one_of(st.integers(-10**6, 10**6).map(str),
                    st.floats(-1e12, 1e12, allow_nan=False).map(repr),
                    st.sampled_from(["0", "1e-10", "1e300", "93e93", "93e-208", "0.1", "1000000000.4"]))
ATOMS = st.one_of(NUMBERS, st.sampled_from(sorted(NAMES)))
UNARY = ["ceil", "floor", "sqrt", "log", "log2", "exp", "abs"]


def _grow(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["max", "min"]), st.lists(children, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(children, st.lists(NUMBERS, min_size=1, max_size=3)).map(
            lambda t: f"ceil_to({t[0]}, {', '.join(t[1])})"),
        children.map(lambda c: f"-{c}"),
    )


FORMULAS = st.recursive(ATOMS, _grow, max_leaves=12)
JUNK = st.text(alphabet=st.sampled_from(list("ab1e.()+-*/%<>=,_ ifelsx\u00a0ｘ𝐞\"'[]{}:@~^&|\\")), max_size=60)


def _bounded_pow(base, exponent):
    if abs(exponent) > 4096 and abs(base) not in (0, 1):
        raise OverflowError("exponent too large for the oracle")
    return base ** exponent


def _exact(text: str):
    """The formula evaluated with mpmath at 50 digits (decimal literals exact), or None if undefined."""
    env = {"__builtins__": {}}
    env.update({k: mpmath.mpf(v) for k, v in NAMES.items()})
    env.update(ceil=mpmath.ceil, floor=mpmath.floor, sqrt=mpmath.sqrt, log=mpmath.log, exp=mpmath.exp,
               log2=lambda x: mpmath.log(x, 2), abs=abs, max=max, min=min,
               ceil_to=lambda x, *v: min([u for u in v if u >= x], default=mpmath.nan))
    import ast
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):  # literals as exact decimals
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            node.value = mpmath.mpf(repr(node.value))

    class Bounded(ast.NodeTransformer):
        """``a ** b`` as a call that gives up on huge exponents (mpmath would compute them for minutes)."""

        def visit_BinOp(self, node):
            self.generic_visit(node)
            if isinstance(node.op, ast.Pow):
                return ast.Call(ast.Name("_pow", ast.Load()), [node.left, node.right], [])
            return node
    env["_pow"] = _bounded_pow
    tree = ast.fix_missing_locations(Bounded().visit(tree))
    with mpmath.workdps(50):
        try:
            value = eval(compile(tree, "<fuzz>", "eval"), env)  # noqa: S307 - test oracle on generated text
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return None
        if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value) or abs(value) > 1e300:
            return None
        return value


def _parsed(text: str):
    """The formula and its light tree's value at NAMES, or None if the text is refused."""
    try:
        formula = parse_formula(text)
    except CalcgraphError:
        return None
    with np.errstate(all="ignore"):  # inf and NaN are what evaluate() gives, under the same errstate
        return formula, float(compile_node(formula.node)(dict(NAMES)))


@FUZZ
@given(FORMULAS)
def test_generated_formulas_are_accepted_or_refused_and_agree_with_exact_evaluation(text):
    parsed = _parsed(text)
    if parsed is None:
        return
    _, value = parsed
    exact = _exact(text)
    if exact is None or not math.isfinite(value):
        return
    if any(f in text for f in ("ceil", "floor", "ceil_to")):
        return  # a rounding near an integer may differ by one ulp of its argument; checked in test_bad_input_bounded
    assert value == pytest.approx(float(exact), rel=1e-6, abs=1e-9), text


@FUZZ
@given(JUNK)
def test_any_text_is_a_formula_or_a_calcgraph_error(text):
    try:
        parse_formula(text)
    except CalcgraphError:
        pass


def test_found_example_constant_power_with_tiny_exponent():
    assert compile_node(parse_formula("ceil(93e93 ** 93e-208)").node)({}) == 1
    assert compile_expr(parse_formula("ceil(93e93 ** 93e-208)").expr)({}) == 1


def test_found_example_names_that_cancel_into_a_bad_constant_are_refused():
    with pytest.raises(CalcgraphError, match="not a finite real number"):
        parse_formula("max(ceil_to((a ** 0), 0))")


def test_found_example_exp_of_1_is_e():
    assert compile_node(parse_formula("--exp(1)").node)({}) == math.e
    assert compile_expr(parse_formula("--exp(1)").expr)({}) == math.e


@FUZZ
@given(FORMULAS)
def test_the_light_tree_computes_what_the_sympy_form_computes(text):
    """Values come from the light tree; the sympy form (display, closed forms) must mean the same."""
    parsed = _parsed(text)
    if parsed is None:
        return
    formula, light = parsed
    with np.errstate(all="ignore"):
        try:
            exact = float(compile_expr(formula.expr)(dict(NAMES)))
        except EvaluationError:
            return  # sympy folded a part to an undefined constant (zoo, nan): nothing to compare
    if not (math.isfinite(light) and math.isfinite(exact)) or any(f in text for f in ("ceil", "floor")) \
            or _subnormal(text):
        return  # a rounding near an integer may differ by one ulp of its argument
    assert light == pytest.approx(exact, rel=1e-9, abs=1e-12 * _scale(text)), text


def _subnormal(text: str) -> bool:
    """Whether the text writes a number below the normal floats (5e-324 is 4.94e-324: sympy keeps 5e-324)."""
    return any(0 < float(n) < sys.float_info.min for n in re.findall(r"\d+(?:\.\d*)?(?:e[-+]?\d+)?", text))


def _scale(text: str) -> float:
    """The largest magnitude a formula's text names: floats keep a sum only to about 1e-16 of it (cancellation)."""
    numbers = re.findall(r"\d+(?:\.\d*)?(?:e[-+]?\d+)?", text)
    named = [abs(v) for n, v in NAMES.items() if re.search(rf"\b{n}\b", text)]
    return max([1.0, *named, *(abs(float(n)) for n in numbers if math.isfinite(float(n)))])


def test_found_example_a_cancelled_sum_agrees_to_the_float_precision_of_its_terms():
    _, light = _parsed("((16384.0 + 1e-10) + -16384.0)")
    assert light != 1e-10 and light == pytest.approx(1e-10, abs=1e-12 * _scale("16384.0"))  # floats: 9.8e-11


def test_found_example_a_huge_constant_power_stays_unevaluated_in_the_sympy_form():
    """Folding 446926227028.27954 ** 25118 exactly took sympy 0.75 s; left as a power it is instant."""
    formula = parse_formula("-(-max(446926227028.27954) ** (25118 + (0 * a)))")
    assert formula.expr.has(__import__("sympy").Pow)
    with np.errstate(all="ignore"):
        assert compile_expr(formula.expr)(dict(NAMES)) == math.inf


def test_found_example_sympy_folds_a_division_by_zero_times_a_name_to_zoo():
    formula = parse_formula("-(-max(1) / (0 * a))")
    with np.errstate(all="ignore"):
        assert compile_node(formula.node)(dict(NAMES)) == math.inf
    with pytest.raises(EvaluationError, match="zoo"):
        compile_expr(formula.expr)(dict(NAMES))


def test_found_example_a_max_of_an_argument_sympy_cannot_order_keeps_its_form():
    assert str(parse_formula("max(log(-max(0, a)))").expr) == "log(-Max(0, a))"
