"""YAML text made one safe line of Markdown (a symbol only in a safe LaTeX subset, docs/conventions.md), and the
one number format of reports (digits grouped by thin spaces)."""

from __future__ import annotations

import re

SAFE_COMMANDS = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega "
    "mathrm text mathit mathbf operatorname hat bar tilde vec dot prime star ast cdot times ell infty".split())
_SAFE_SYMBOL = re.compile(r"[A-Za-z0-9_^{}(),.'*/+\- |]*")
_ESCAPED = set("\\`*[]$|~")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
THIN = "\u202f"  # narrow no-break space: a thin space that never breaks a number


def safe_symbol(symbol: str, fallback: str) -> str:
    r"""``symbol`` when it is in the safe LaTeX subset, else ``\mathrm{fallback}``.

    >>> safe_symbol(r"M_{\mathrm{chip}}", "hbm"), safe_symbol(r"\href{x}{y}", "kv_bytes")
    ('M_{\\mathrm{chip}}', '\\mathrm{kv\\_bytes}')
    """
    commands = re.findall(r"\\([A-Za-z]+|.)", symbol)
    rest = re.sub(r"\\([A-Za-z]+|.)", "", symbol)
    if "\n" not in symbol and all(c in SAFE_COMMANDS or c in ",; _" for c in commands) \
            and _SAFE_SYMBOL.fullmatch(rest) and symbol.count("{") == symbol.count("}"):
        return symbol
    return r"\mathrm{" + re.sub(r"[^A-Za-z0-9_]", "", fallback).replace("_", r"\_") + "}"


def _escape_plain(text: str) -> str:
    text = "".join("\\" + c if c in _ESCAPED else {"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(c, c)
                   for c in text)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def md_text(text: object) -> str:
    """YAML text as one safe line of Markdown: no heading, list, link, HTML or math can start in it.

    >>> md_text("a\\n# injected <script>x</script> $5 [x](y) `kv_bytes`")
    'a # injected &lt;script&gt;x&lt;/script&gt; \\\\$5 \\\\[x\\\\](y) `kv_bytes`'
    """
    line = " ".join(str(text).split())
    parts = re.split(r"(`[^`|]+`)", line)
    text = "".join(p if i % 2 else _escape_plain(p) for i, p in enumerate(parts))
    return "\\" + text if re.match(r"[#=+-]|\d+[.)](\s|$)", text) else text


def sentence(text: object) -> str:
    """``md_text`` with a capital first letter."""
    line = md_text(text)
    return line[:1].upper() + line[1:]


def group_digits(whole: str, sep: str) -> str:
    """Thousands of an integer's digits joined by ``sep`` when it has more than 4 digits.

    >>> group_digits("70552387584", " "), group_digits("8192", " ")
    ('70 552 387 584', '8192')
    """
    return whole if len(whole) <= 4 else f"{int(whole):,}".replace(",", sep)


def number_parts(text: str) -> tuple[str, str, int | None, str] | None:
    """(sign, whole digits or mantissa, power of ten or None, fraction) of a number's text, or None.

    >>> number_parts("7.0000e10"), number_parts("-53248.5"), number_parts("nan")
    (('', '7', 10, ''), ('-', '53248', None, '.5'), None)
    """
    match = re.fullmatch(r"(-?)(\d+)(\.\d*)?(?:[eE]\+?(-?\d+))?", text)
    if match is None:
        return None
    sign, whole, fraction, exponent = match.groups(default="")
    if not exponent:
        return sign, whole, None, fraction
    fraction = fraction[1:].rstrip("0")
    return sign, whole + (f".{fraction}" if fraction else ""), int(exponent), ""


def number_text(text: str, sep: str, times: str, power) -> str:
    """A number's text with its digits grouped by ``sep`` and an exponent as ``times`` ``power(exponent)``."""
    parts = number_parts(text)
    if parts is None:
        return text
    sign, digits, exponent, fraction = parts
    if exponent is not None:
        return sign + (power(exponent) if digits == "1" else digits + times + power(exponent))
    return sign + group_digits(digits, sep) + fraction


def table_number(text: str) -> str:
    """A number's text for tables and prose, grouped as in the math: ``7.0000e10`` -> ``7 × 10¹⁰``.

    >>> table_number("7.0000e10"), table_number("1e-09"), table_number("53248"), table_number("17.431")
    ('7\u202f×\u202f10¹⁰', '10⁻⁹', '53\u202f248', '17.431')
    """
    return number_text(text, THIN, f"{THIN}×{THIN}", lambda exponent: "10" + str(exponent).translate(_SUPERSCRIPT))


COUNT_WORDS = {"chip": "chips", "seq": "sequences", "tok": "tokens", "request": "requests", "layer": "layers"}


def unit_words(number: str, unit: str) -> str:
    """A unit as read after ``number``: bare counts pluralised (``8 chips``), ``1/tok`` as ``per tok``.

    >>> unit_words("8", "chip"), unit_words("1", "chip"), unit_words("2", "1/tok"), unit_words("5", "GB/chip")
    ('chips', 'chip', 'per tok', 'GB/chip')
    """
    if unit in COUNT_WORDS:
        return {"seq": "sequence", "tok": "token"}.get(unit, unit) if number in ("1", "-1") else COUNT_WORDS[unit]
    if unit.startswith("1/") and "/" not in unit[2:]:
        return "per " + unit[2:]
    return unit
