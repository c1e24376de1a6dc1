"""Numbers as text: one fixed, diff-friendly format for every output."""

from __future__ import annotations

import math


def format_number(value: float, digits: int = 5) -> str:
    """A fixed, diff-friendly rendering with ``digits`` significant figures."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    if value == 0:
        return "0"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        if float(value).is_integer() and magnitude < 1e7:
            return f"{int(value):d}"
        text = f"{value:.{digits}g}"
        if "e" in text:
            text = f"{value:.{digits}e}"
        return text
    text = f"{value:.{digits - 1}e}".replace("e+", "e")
    mantissa, exponent = text.split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"

