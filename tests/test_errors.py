"""Errors carry declared fields, keep them when re-worded, and the API raises calcgraph errors only."""

import pytest
from conftest import fixture

import calcgraph
from calcgraph.errors import (
    Argument,
    CalcgraphError,
    NoSolutionError,
    SetValueError,
    UnitMismatchError,
    UnknownNameError,
)


def test_unit_mismatch_in_a_formula_keeps_quantity_and_both_dimensions():
    with pytest.raises(UnitMismatchError) as info:
        calcgraph.load(fixture("unit_mismatch.yaml"))
    error = info.value
    assert error.quantity == "kv_cache_bytes"
    assert error.expected == "[information]" and "[sequence]" in error.got
    assert "unit_mismatch.yaml:7" in str(error.where)


def test_a_bad_set_value_keeps_its_kind_and_names_the_quantity():
    with pytest.raises(UnitMismatchError) as info:
        calcgraph.load(set={"hbm_bandwidth": "3 ms"})
    assert info.value.quantity == "hbm_bandwidth" and str(info.value.where).startswith("set()")


def test_value_of_an_unknown_name_is_a_calcgraph_error_with_a_suggestion():
    with pytest.raises(UnknownNameError, match="did you mean 't_step'"):
        calcgraph.load().value("t_stpe")


def test_value_in_a_unit_of_another_dimension_is_a_unit_mismatch():
    with pytest.raises(UnitMismatchError) as info:
        calcgraph.load().value("t_step", "GB")
    assert isinstance(info.value, CalcgraphError) and info.value.quantity == "t_step"


def test_api_solve_names_the_constraint_not_a_flag():
    with pytest.raises(UnitMismatchError) as info:
        calcgraph.load().solve("batch", "t_step <= 0.015", integer=True)
    assert info.value.where == Argument("constraint", "t_step <= 0.015")
    assert "--where" not in str(info.value)


def test_cli_words_the_same_error_as_its_flag(run):
    status, _, err = run("solve", "--for", "batch", "--where", "t_step <= 0.015", "--integer")
    assert status == 2 and "--where t_step <= 0.015:" in err


def test_no_solution_exits_1_everything_else_2():
    assert NoSolutionError("x").exit_status == 1
    assert SetValueError("x").exit_status == UnknownNameError("x").exit_status == 2


def test_public_types_are_exported():
    for name in ("Evaluated", "NodeState", "SolveResult", "BestResult", "errors", "Model", "load"):
        assert hasattr(calcgraph, name)
    assert calcgraph.load().state("max_batch") is calcgraph.NodeState.SOLVED
