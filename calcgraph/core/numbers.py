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
    if 1e-3 <= abs(value) < 1e7:
        if float(value).is_integer():
            return f"{int(value):d}"
        text = f"{value:.{digits}g}"
        if "e" not in text:  # from 1e5 up a fraction needs the exponent form below
            return text
    text = f"{value:.{digits - 1}e}".replace("e+", "e")
    mantissa, exponent = text.split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"  # without a '.', one digit from 1 to 9


def shortest_text(x: float) -> str:
    """``%.10g`` of ``x`` where it reads back as ``x``, else the shortest text that does (at most 23 bytes).

    >>> shortest_text(0.5), shortest_text(80.0), shortest_text(0.011009595259259259), shortest_text(1e-7)
    ('0.5', '80', '0.011009595259259259', '1e-07')
    >>> shortest_text(-1.2345678901234567e-100)
    '-12345678901234567e-116'
    """
    x = float(x)  # numpy's scalars print as np.float64(...)
    text = f"{x:.10g}"
    if x != x or float(text) == x:
        return text
    text = repr(x)
    if len(text) > 23:  # -d.dddddddddddddddde-XXX: the digits as one integer keep a cell within 24 bytes
        digits, _, exponent = text.partition("e")
        whole, _, fraction = digits.partition(".")
        text = f"{whole}{fraction}e{int(exponent) - len(fraction)}"
    return text
