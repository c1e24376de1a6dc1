"""Units from YAML: a module's ``units:`` lines add units (checked, never a redefinition), so a user
adds a unit without editing the package; and the energy units J, W, kWh."""

from __future__ import annotations

import pytest
from conftest import FIXTURES
from fuzz_settings import FUZZ
from hypothesis import given
from hypothesis import strategies as st

import calcgraph
from calcgraph.core.unitdefs import define_unit
from calcgraph.core.units import parse_unit, ureg
from calcgraph.errors import UnitError

UNITS = FIXTURES / "units"


def test_a_module_declares_racks_of_72_chips_and_uses_them():
    model = calcgraph.load(UNITS / "racks.yaml")
    assert model.value("racks_needed", "rack") == 2
    assert parse_unit("rack").factor == 72 and parse_unit("racks").dim == parse_unit("chip").dim


def test_the_same_module_loaded_twice_defines_its_units_once():
    assert calcgraph.load(UNITS / "racks.yaml").value("racks_needed", "rack") == 2
    assert calcgraph.load(UNITS / "racks.yaml").value("racks_needed", "rack") == 2


@pytest.mark.parametrize("fixture, words", [
    ("redefine.yaml", "unit 'chip' already exists: a units: line adds units, it never redefines one"),
    ("unknown_base.yaml", "unknown unit 'yard'"),
])
def test_a_bad_units_line_is_one_message_with_its_file_and_line(run, fixture, words):
    status, out, _ = run("check", UNITS / fixture)
    assert status == 2 and words in out and f"{fixture}:2:" in out and "Traceback" not in out


@pytest.mark.parametrize("line, words", [
    ("J = 2 * W*s", "unit 'J' already exists"),
    ("kWh = 3 * J", "already exists"),                  # a prefixed name is a unit too
    ("x y = chip", "is not a plain name"),
    ("widget_bad = -1 * chip", "the factor must be a positive number"),
    ("widget_bad = 1e999 * chip", "the factor must be a positive number"),
    ("widget_bad = __import__('os')", "cannot read unit"),
    ("widget_bad", "cannot read unit definition"),
    ("w" * 300 + " = chip", "at most 200 characters"),
])
def test_refused_definitions_name_what_is_wrong(line, words):
    with pytest.raises(UnitError, match=words.replace("(", r"\(")):
        define_unit(line)


def test_a_new_base_dimension_is_its_own_dimension():
    define_unit("gadget_test = [gadget_test] = gadgets_test")
    assert str(parse_unit("gadgets_test/s").dim) == "[gadget_test] / [time]"


@FUZZ
@given(st.text(max_size=120))
def test_any_text_is_a_unit_or_one_unit_error(text):
    before = len(ureg._units)
    try:
        define_unit("fz_" + text)
    except UnitError:
        assert len(ureg._units) == before


@pytest.mark.parametrize("text, joules", [("1 J", 1), ("1 kWh", 3.6e6), ("3 W*s", 3), ("1 MWh", 3.6e9)])
def test_energy_units(text, joules):
    from calcgraph.core.units import parse_quantity
    value, unit = parse_quantity(text)
    assert value * unit.factor == pytest.approx(joules)
