"""One formula form, every backend: generated formulas computed from their light tree by numpy closures,
by the fast evaluator's float code, by the page's JavaScript in node, and from their sympy form lowered
back to a tree, agree: bit for bit where no transcendental function is involved, else within 1e-12."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from fuzz_settings import EXAMPLES, FUZZ
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz_expr import FORMULAS, NAMES, _scale, _subnormal

from calcgraph.core.evaluate import compile_node
from calcgraph.core.formula.floats import build, numpy_helpers
from calcgraph.core.formula.from_sympy import compile_expr
from calcgraph.core.formula.parse import parse_formula
from calcgraph.core.formula.pysource import Unsupported, source
from calcgraph.errors import CalcgraphError
from calcgraph.render.page.html import RULES
from calcgraph.render.page.javascript import js_expr

NODE = shutil.which("node")
ENGINE = (__import__("pathlib").Path(__file__).resolve().parent.parent / "calcgraph" / "render" / "page" / "assets"
          / "html_engine.js").read_text()
TRANSCENDENTAL = ("exp", "log", "sqrt", "**")


def trees(texts: list[str]) -> list[tuple[str, object]]:
    """The formulas calcgraph accepts, with their checked formula."""
    found = []
    for text in texts:
        try:
            found.append((text, parse_formula(text)))
        except CalcgraphError:
            pass
    return found


def numpy_value(formula) -> float:
    with np.errstate(all="ignore"):
        return float(compile_node(formula.node)(dict(NAMES)))


def float_value(formula) -> float | None:
    """The generated float code's value, with the fast evaluator's helpers (numpy's log, exp and pow: the C
    library's differ in the last bit, 2155.0 ** -3.0 among them); None where it refuses (numpy then answers)."""
    local = {name: f"v{i}" for i, name in enumerate(NAMES)}
    try:
        code = f"def _f({', '.join(local.values())}):\n    return {source(formula.node, local)}\n"
        return float(build(code, "_f", numpy_helpers())(*NAMES.values()))
    except (Unsupported, ArithmeticError, ValueError):
        return None


def javascript_values(formulas) -> list[float]:
    """Each formula computed by the page's engine (its cg.snap, cg.ceilTo and rules) in node."""
    lines = ["var CG_DATA = {rules: " + json.dumps(RULES) + "};", ENGINE,
             "var v = " + json.dumps(NAMES) + ", out = [];"]
    for _, formula in formulas:
        lines.append(f"out.push(String({js_expr(formula.node)}));")
    lines.append("process.stdout.write(JSON.stringify(out));")
    done = subprocess.run([NODE, "-"], input="\n".join(lines), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [float(t) for t in json.loads(done.stdout)]


def same(a: float, b: float, text: str) -> bool:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if any(f in text for f in TRANSCENDENTAL):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) or _rounding_edge(text)
    return a == b


def _rounding_edge(text: str) -> bool:
    """A rounding of a transcendental result may land one whole step apart (one ulp of its argument)."""
    return any(f in text for f in ("ceil", "floor"))


@FUZZ
@given(st.lists(FORMULAS, min_size=1, max_size=8))
def test_numpy_closures_and_float_code_agree_bit_for_bit(texts):
    for text, formula in trees(texts):
        expected, got = numpy_value(formula), float_value(formula)
        if got is not None:
            assert got == expected or (math.isnan(got) and math.isnan(expected)), text


@FUZZ
@given(st.lists(FORMULAS, min_size=1, max_size=8))
def test_the_sympy_form_lowered_to_a_tree_computes_what_the_tree_computes(texts):
    # within the float precision of the largest term: a cancelled sum keeps only that
    for text, formula in trees(texts):
        expected = numpy_value(formula)
        try:
            with np.errstate(all="ignore"):
                lowered = float(compile_expr(formula.expr)(dict(NAMES)))
        except CalcgraphError:
            continue  # sympy folded a part to an undefined constant (zoo, nan)
        if math.isfinite(expected) and math.isfinite(lowered) and not _rounding_edge(text) and not _subnormal(text):
            assert lowered == pytest.approx(expected, rel=1e-9, abs=1e-12 * _scale(text)), text


@pytest.mark.skipif(NODE is None, reason="node not found: install Node.js to run the page's engine")
@settings(FUZZ, max_examples=max(10, EXAMPLES // 5))  # one node process per example, 20-40 formulas each
@given(st.lists(FORMULAS, min_size=20, max_size=40))
def test_the_pages_javascript_computes_what_numpy_computes(texts):
    formulas = trees(texts)
    if not formulas:
        return
    for (text, formula), got in zip(formulas, javascript_values(formulas), strict=True):
        assert same(got, numpy_value(formula), text), (text, got, numpy_value(formula))


def test_found_example_a_power_with_a_name_exponent_agrees_bit_for_bit():
    ((_, formula),) = trees(["(-ceil_to(0, 2155) ** -a)"])
    value = numpy_value(formula)  # numpy's pow: one ulp from the C library's 2155.0 ** -3.0
    assert float_value(formula) == value and abs(value + 2155.0 ** -3.0) <= math.ulp(value)


@pytest.mark.skipif(NODE is None, reason="node not found: install Node.js to run the page's engine")
def test_found_example_a_negative_zero_constant_is_bracketed_on_the_page():
    formulas = trees(["-max(a) - -0", "a - -0.0 * b"])  # hypothesis found the first: ((-Math.max(v.a))--0.0)
    assert len(formulas) == 2
    for (text, formula), got in zip(formulas, javascript_values(formulas), strict=True):
        assert same(got, numpy_value(formula), text), text
