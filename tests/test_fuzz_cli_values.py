"""Fuzzed --set, --where and --vary text: each works or is refused with a CalcgraphError, without hanging."""

from __future__ import annotations

from functools import lru_cache

from fuzz_settings import FUZZ
from hypothesis import given
from hypothesis import strategies as st

import calcgraph
from calcgraph.core.bind import parse_set_arg
from calcgraph.core.constraints import parse_constraint
from calcgraph.engine.axes import parse_vary
from calcgraph.errors import CalcgraphError

PIECES = st.sampled_from(["batch", "=", "1", "32", "1e9", "0", "-", ".", " ", "  ", "B", "ms", "GB/chip", "/0",
                          "sequence", "/", "*", "**", ":", ",", "x", "<=", ">=", "==", "t_step", "15 ms",
                          "total_memory", "hbm_capacity", "unknown", "1" * 40, "\u00a0", "ｘ", "(", ")"])
TEXT = st.lists(PIECES, max_size=12).map("".join)


@lru_cache(maxsize=1)
def _graph():
    return calcgraph.load().graph


@FUZZ
@given(TEXT)
def test_set_text_is_an_override_or_a_calcgraph_error(text):
    try:
        entry = parse_set_arg(text)
        calcgraph.load(sets=[entry]).value("t_step")
    except CalcgraphError:
        pass


@FUZZ
@given(TEXT)
def test_where_text_is_a_constraint_or_a_calcgraph_error(text):
    try:
        parse_constraint(text, _graph().quantities)
    except CalcgraphError:
        pass


@FUZZ
@given(TEXT)
def test_vary_text_is_an_axis_or_a_calcgraph_error(text):
    try:
        parse_vary(text, _graph())
    except CalcgraphError:
        pass
