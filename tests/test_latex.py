"""The LaTeX printer of calcgraph/latex.py: written term order, parentheses, readable numbers."""

from __future__ import annotations

from calcgraph.core.formula.parse import parse_formula
from calcgraph.render.latex import formula_latex, latex_number


def _latex(text: str) -> str:
    return formula_latex(parse_formula(text).tree, str)


def test_latex_keeps_the_written_term_order_and_needed_parentheses():
    assert _latex("max(t_flops, t_param_load) + t_kv_load") == r"\max\left(t_flops, t_param_load\right) + t_kv_load"
    assert _latex("a * (b + c)") == r"a \cdot \left(b + c\right)"
    assert _latex("a - (b - c)") == r"a - \left(b - c\right)"
    assert _latex("(a + b) ** 2") == r"{\left(a + b\right)}^{2}"
    assert _latex("ceil(x / y)") == r"\left\lceil \frac{x}{y} \right\rceil"
    assert _latex("-a * b") == r"-a \cdot b"
    assert _latex("a * -b") == r"a \cdot \left(-b\right)"
    # \mathrm, not \operatorname: MathJax 3 puts space around operatorname's underscore ("ceil _ to")
    assert _latex("ceil_to(x, 1, 4, 8)") == r"\mathrm{ceil\_to}\left(x;\ 1, 4, 8\right)"
    assert _latex("1e-9 * x") == r"10^{-9} \cdot x"


def test_negative_values_in_place_are_parenthesised():
    tree = parse_formula("a * b - c").tree
    assert formula_latex(tree, {"a": "2", "b": "-3", "c": "-1"}.get) == r"2 \cdot \left(-3\right) - \left(-1\right)"


def test_latex_numbers_are_readable():
    assert latex_number("7.0000e10") == r"7 \times 10^{10}"
    assert latex_number("1.2500e-05") == r"1.25 \times 10^{-5}"
    assert latex_number("163840") == r"163\,840"
    assert latex_number("8192") == "8192"
