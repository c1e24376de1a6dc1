import pytest

from calcgraph.core.numbers import format_number
from calcgraph.core.units import display_unit, format_unit, parse_quantity, parse_unit, to_unit
from calcgraph.errors import UnitError


def test_bytes_carry_an_information_dimension():
    assert str(parse_unit("GB").dim) == "[information]"


def test_gb_is_decimal_and_gib_is_binary():
    assert parse_unit("GB").factor == 1e9
    assert parse_unit("GiB").factor == 2**30


def test_per_chip_is_not_total():
    assert parse_unit("B/chip").dim != parse_unit("B").dim


def test_per_token_is_not_per_sequence():
    assert parse_unit("B/token").dim != parse_unit("B/sequence").dim


def test_quantity_text_splits_number_and_unit():
    number, unit = parse_quantity("8.2e11 B/s/chip")
    assert number == 8.2e11 and unit.text == "B/s/chip"


def test_leading_slash_means_per():
    assert parse_quantity("2 / token")[1].dim == parse_unit("1/token").dim


@pytest.mark.parametrize("text", ["m**9**9**8", "B**99", "__import__", "GB.x", "GBytes", "B" * 200])
def test_bad_units_are_refused(text):
    with pytest.raises(UnitError):
        parse_unit(text)


def test_display_picks_a_human_scale_and_keeps_binary_units_binary():
    assert format_unit(display_unit(parse_unit("B"), 42.95e9)) == "GB"
    assert format_unit(display_unit(parse_unit("GiB"), 40 * 2**30)) == "GiB"
    assert format_unit(display_unit(parse_unit("s"), 0.0174)) == "ms"
    assert format_unit(display_unit(parse_unit("FLOP/s/chip"), 1.97e14)) == "TFLOP/s/chip"


def test_to_unit_converts_base_magnitudes():
    assert to_unit(163840.0, parse_unit("KiB")) == 160.0


def test_number_formatting_is_fixed():
    assert format_number(112.95) == "112.95"
    assert format_number(163840.0) == "163840"
    assert format_number(1.97e14) == "1.97e14"
    assert format_number(7e10) == "7e10" and format_number(1.2345678e-5) == "1.2346e-05"


def test_number_formatting_keeps_its_digits_between_1e5_and_1e7():
    # a non-integer from 1e5 to 1e7 took a sixth digit and Python's 'e+05': one exponent form for every value
    assert format_number(123456.7) == "1.2346e05" and format_number(12345.67, 3) == "1.23e04"
    assert format_number(99999.95) == "1e05" and format_number(-2500000.5) == "-2.5e06"


def test_a_number_in_a_unit_is_refused_with_one_message():
    for text in ("5e9*B", "(1/2)*B", "B/1000", "2**2*B"):
        with pytest.raises(UnitError, match="carries a number") as info:
            parse_unit(text)
        assert "not '5e9*B' or 'B/1000'" in info.value.hint
    assert parse_unit("1/s").factor == 1.0 and parse_unit("1*B").text == "1*B"
