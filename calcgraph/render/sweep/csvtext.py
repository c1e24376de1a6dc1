"""CSV text of whole numpy columns that reads back as the same floats (``shortest_text`` of each value).

Where a value's ``%.10g`` text reads back as the value itself (whole numbers,
short decimals), that text is built at C speed, byte for byte what Python's
``"%.10g" % x`` writes; the other cells (about 17 significant digits) are
written by Python as the shortest text that reads back exactly, so distinct
values stay distinct.

A cell's text is built in three little-endian 64-bit words (at most 18 bytes:
``-1.234567891e-100`` and its separator) from integer arithmetic on the
correctly rounded 10-digit mantissa; the few cells whose rounding the float
arithmetic cannot decide (a last digit within 1e-5 of a tie, or a magnitude
outside 1e-13..1e31), and those whose 10 digits do not read back as the value,
are formatted by Python itself (at most 24 bytes with the separator). render.sweep.columns's TextTable
lays the cells out row after row.
"""

from __future__ import annotations

import numpy as np

from calcgraph.core.numbers import shortest_text

U = np.uint64
ONES = U(0xFFFFFFFFFFFFFFFF)
ASCII0 = U(0x3030303030303030)
SPECIAL = {"nan": b"nan", "inf": b"inf", "-inf": b"-inf"}


POWERS = np.array([10.0 ** i if 0 <= i <= 22 else 1.0 for i in range(-30, 31)])  # x 10^k, k >= 0
DIVISORS = np.array([10.0 ** -i if -22 <= i < 0 else 1.0 for i in range(-30, 31)])  # / 10^-k, k < 0


class Scratch:
    """Work arrays reused from call to call: fresh arrays per step would cost more in page faults than the sums."""

    def __init__(self) -> None:
        self.arrays: dict = {}
        self.n = 0

    def __call__(self, name: str, dtype=np.uint64) -> np.ndarray:
        """The work array ``name`` of the current length."""
        array = self.arrays.get((name, dtype))
        if array is None or len(array) < self.n:
            array = self.arrays[name, dtype] = np.empty(max(self.n, 1), dtype)
        return array[:self.n]


def _top_byte(word: np.ndarray, out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """Index (0..7) of the highest non-zero byte of each (non-zero) word, into ``out``."""
    np.right_shift(word, 4, out=work)
    np.bitwise_or(word, work, out=work)
    np.right_shift(work, 2, out=out)
    np.bitwise_or(work, out, out=work)
    np.right_shift(work, 1, out=out)
    np.bitwise_or(work, out, out=work)
    np.bitwise_and(work, 0x0101010101010101, out=work)
    np.copyto(out.view(np.float64), work, casting="unsafe")  # the float's exponent is the top bit's index
    np.right_shift(out, 52, out=out)
    np.subtract(out, 1023, out=out)
    return np.right_shift(out, 3, out=out)


def _digits8(v: np.ndarray, out: np.ndarray, s: Scratch) -> np.ndarray:
    """ASCII of 8-digit numbers (< 10^8), most significant digit in the lowest byte, into ``out``."""
    h, x, q = s("d8h"), s("d8x"), s("d8q")
    np.floor_divide(v, 10000, out=h)
    np.multiply(h, 10000, out=x)
    np.subtract(v, x, out=x)
    np.left_shift(x, 32, out=x)
    np.bitwise_or(x, h, out=x)  # two 4-digit lanes
    np.multiply(x, 5243, out=q)
    np.right_shift(q, 19, out=q)
    np.bitwise_and(q, 0x0000007F0000007F, out=q)  # lane // 100
    np.multiply(q, 100, out=h)
    np.subtract(x, h, out=h)
    np.left_shift(h, 16, out=h)
    np.bitwise_or(h, q, out=x)  # four 2-digit lanes
    np.multiply(x, 103, out=q)
    np.right_shift(q, 10, out=q)
    np.bitwise_and(q, 0x000F000F000F000F, out=q)  # lane // 10
    np.multiply(q, 10, out=h)
    np.subtract(x, h, out=h)
    np.left_shift(h, 8, out=h)
    np.bitwise_or(h, q, out=out)
    return np.bitwise_or(out, 0x3030303030303030, out=out)


def _mantissa(a: np.ndarray, s: Scratch):
    """(10-digit mantissa, decimal exponent, undecided mask) of positive finite ``a`` (float arrays)."""
    e, k, scaled, d = s("e", np.float64), s("k", np.float64), s("scaled", np.float64), s("d", np.float64)
    index, low, high = s("index", np.intp), s("low", bool), s("high", bool)
    np.log10(a, out=e)
    np.floor(e, out=e)
    for _ in range(2):  # log10 may be one off near powers of ten: one correction
        np.subtract(39.0, e, out=k)  # 30 + (9 - e): the index of 10^(9 - e) in the tables
        np.clip(k, 0, 60, out=k)
        np.copyto(index, k, casting="unsafe")
        np.take(POWERS, index, out=scaled, mode="clip")
        np.multiply(a, scaled, out=scaled)
        np.take(DIVISORS, index, out=k, mode="clip")
        np.divide(scaled, k, out=scaled)  # one rounding either way: exact powers of ten up to 10^22
        np.rint(scaled, out=d)
        np.less(d, 1e9, out=low)
        np.greater_equal(d, 1e10, out=high)
        if not (low.any() or high.any()):
            break
        np.subtract(e, low, out=e)
        np.add(e, high, out=e)
    bad = s("bad", bool)
    np.logical_or(low, high, out=bad)
    np.less(e, -13, out=low)
    np.greater(e, 31, out=high)
    np.logical_or(bad, low, out=bad)
    np.logical_or(bad, high, out=bad)
    np.floor(scaled, out=k)
    np.subtract(scaled, k, out=k)
    np.subtract(k, 0.5, out=k)
    np.abs(k, out=k)
    np.less(k, 1e-5, out=low)  # the last digit is within reach of a tie: let Python decide
    return d, e, np.logical_or(bad, low, out=bad)


def format_words(x: np.ndarray, sep: bytes = b",", scratch: Scratch | None = None, out=None):
    """(w0, w1, w2, length): each value's ``shortest_text`` and ``sep`` as three little-endian words.

    ``out``: four arrays to write into (else new ones). ``scratch``: work arrays to reuse.

    >>> w0, w1, w2, n = format_words(np.array([0.5, -1e-7, 12345.0]))
    >>> [(int(a).to_bytes(8, "little") + int(b).to_bytes(8, "little"))[:k] for a, b, k in zip(w0, w1, n)]
    [b'0.5,', b'-1e-07,', b'12345,']
    """
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    if out is None:
        out = np.empty(len(x), U), np.empty(len(x), U), np.empty(len(x), U), np.empty(len(x), np.int64)
    with np.errstate(all="ignore"):
        _format_words(x, sep, scratch or Scratch(), *out)
    return out


def _special(x: np.ndarray, sep: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(word, length) of zeros, NaN and infinities: what ``%.10g`` writes for them."""
    word, length = np.zeros(x.shape, dtype=U), np.zeros(x.shape, dtype=np.int64)
    negative = np.signbit(x)
    for mask, text in ((np.isnan(x), b"nan"), (np.isposinf(x), b"inf"), (np.isneginf(x), b"-inf"),
                       ((x == 0) & ~negative, b"0"), ((x == 0) & negative, b"-0")):
        word[mask] = int.from_bytes(text + sep, "little")
        length[mask] = len(text) + 1
    return word, length


def _format_words(x: np.ndarray, sep: bytes, s: Scratch, w0, w1, w2, length) -> None:
    s.n = len(x)
    a, plain, other = s("a", np.float64), s("plain", bool), s("other", bool)
    np.abs(x, out=a)
    np.isfinite(x, out=plain)
    np.not_equal(a, 0.0, out=other)
    np.logical_and(plain, other, out=plain)
    everything = bool(plain.all())
    if not everything:
        np.logical_not(plain, out=other)
        np.copyto(a, 1.0, where=other)
    d, e, bad = _mantissa(a, s)
    exact, scale, index = s("scaled", np.float64), s("k", np.float64), s("index", np.intp)
    np.add(e, 21.0, out=scale)  # the index of 10^(e - 9) in the tables: d * 10^(e - 9), one rounding
    np.clip(scale, 0, 60, out=scale)
    np.copyto(index, scale, casting="unsafe")
    np.take(POWERS, index, out=exact, mode="clip")
    np.multiply(d, exact, out=exact)
    np.take(DIVISORS, index, out=scale, mode="clip")
    np.divide(exact, scale, out=exact)  # the float the 10 digits read back as (exact where not already bad)
    np.logical_or(bad, np.not_equal(exact, a), out=bad)  # 10 digits do not keep this value: Python writes it
    np.logical_and(bad, plain, out=bad)
    di, top, last, s0, s1, ns = s("di"), s("top"), s("last"), s("s0"), s("s1"), s("ns")
    t1, t2, t3, t4 = s("t1"), s("t2"), s("t3"), s("t4")
    np.copyto(di, d, casting="unsafe")
    np.floor_divide(di, 100, out=top)
    np.multiply(top, 100, out=last)
    np.subtract(di, last, out=last)  # the last two digits
    _digits8(top, s0, s)
    np.floor_divide(last, 10, out=t1)
    np.multiply(t1, 10, out=t2)
    np.subtract(last, t2, out=t2)  # the last digit
    np.left_shift(t2, 8, out=s1)
    np.bitwise_or(s1, t1, out=s1)
    np.bitwise_or(s1, 0x3030, out=s1)
    # significant digits: 10 less the trailing zeros
    np.bitwise_xor(s0, 0x3030303030303030, out=t1)
    _top_byte(t1, ns, t3)
    np.add(ns, 1, out=ns)
    np.equal(t2, 0, out=other)
    np.subtract(10, other, out=t2, casting="unsafe")
    np.not_equal(last, 0, out=other)
    np.copyto(ns, t2, where=other)
    X = s("X", np.int64)
    np.copyto(X, e, casting="unsafe")
    expo, small, fixed_int = s("expo", bool), s("small", bool), s("fixed_int", bool)
    np.less(X, -4, out=expo)
    np.greater_equal(X, 10, out=other)
    np.logical_or(expo, other, out=expo)
    np.less(X, 0, out=small)
    np.logical_or(small, expo, out=fixed_int)
    np.logical_not(fixed_int, out=fixed_int)  # 0 <= X < 10: integer digits, perhaps a point
    np.logical_and(small, np.logical_not(expo, out=other), out=small)  # -4 <= X < 0: 0.000ddd
    xu, m, dot, k = s("xu"), s("m"), s("dot"), s("point_at")
    np.add(X, 1, out=xu, casting="unsafe")  # X + 1: the integer digits when fixed_int
    np.copyto(m, ns)
    np.maximum(ns, xu, out=m, where=fixed_int)  # digits written: integers keep their zeros
    np.greater(ns, xu, out=other)
    np.logical_and(other, fixed_int, out=other)
    two_digits = s("two_digits", bool)
    np.greater(ns, 1, out=two_digits)
    np.logical_and(two_digits, expo, out=two_digits)
    np.logical_or(other, two_digits, out=other)  # a point: fixed with fraction digits, or e-notation with 2+ digits
    np.copyto(dot, other, casting="unsafe")
    np.copyto(k, m)
    np.copyto(k, xu, where=other & fixed_int)
    np.copyto(k, 1, where=other & expo)  # the point goes after k digits
    _mask(s0, m, 0, t1, t2)
    _mask(s1, m, 8, t1, t2)
    l0, l1, h0, h1 = s("l0"), s("l1"), s("h0"), s("h1")
    _lowmask(k, 0, l0, t1)
    _lowmask(k, 8, l1, t1)
    np.bitwise_and(s0, l0, out=t3)
    np.bitwise_xor(s0, t3, out=h0)  # digits after the point
    np.bitwise_and(s1, l1, out=t4)
    np.bitwise_xor(s1, t4, out=h1)
    np.multiply(dot, 0x2E, out=t1)
    np.left_shift(k, 3, out=t2)
    np.left_shift(t1, t2, out=l0)
    np.bitwise_or(t3, l0, out=t3)
    np.subtract(t2, 64, out=t2)
    np.left_shift(t1, t2, out=l1)
    np.bitwise_or(t4, l1, out=t4)
    np.left_shift(h0, 8, out=t1)
    np.bitwise_or(t3, t1, out=t3)  # t3, t4: the digits with their point
    np.left_shift(h1, 8, out=t1)
    np.bitwise_or(t4, t1, out=t4)
    np.right_shift(h0, 56, out=t1)
    np.bitwise_or(t4, t1, out=t4)
    # prefix: '-' and, for 1e-4 <= |x| < 1, "0." and the zeros after the point
    prefix, plen = s("prefix"), s("plen")
    np.negative(X, out=plen, casting="unsafe")
    np.subtract(plen, 1, out=plen)  # zeros after the point
    _lowmask(plen, 0, t1, t2)
    np.bitwise_and(t1, 0x30303030, out=t1)
    np.left_shift(t1, 16, out=t1)
    np.bitwise_or(t1, 0x2E30, out=t1)
    np.add(plen, 2, out=plen)
    prefix.fill(0)
    np.copyto(prefix, t1, where=small)
    np.copyto(plen, 0, where=np.logical_not(small, out=other))
    neg = s("neg")
    np.copyto(neg, np.signbit(x, out=other), casting="unsafe")
    np.left_shift(prefix, 8, out=t1)
    np.bitwise_or(t1, 0x2D, out=t1)
    np.copyto(prefix, t1, where=other)
    np.add(plen, neg, out=plen)
    np.left_shift(plen, 3, out=t1)
    np.subtract(64, t1, out=t2)
    np.right_shift(t4, t2, out=w2)
    np.left_shift(t4, t1, out=w1)
    np.right_shift(t3, t2, out=h0)
    np.bitwise_or(w1, h0, out=w1)
    np.left_shift(t3, t1, out=w0)
    np.bitwise_or(w0, prefix, out=w0)
    # suffix: the exponent (e+XX, e-XXX) and the separator
    suffix, slen = s("suffix"), s("slen")
    np.abs(X, out=t1, casting="unsafe")
    np.floor_divide(t1, 10, out=t2)
    np.multiply(t2, 10, out=t3)
    np.subtract(t1, t3, out=t3)  # ones
    np.floor_divide(t1, 100, out=t4)  # hundreds
    np.multiply(t4, 10, out=h0)
    np.subtract(t2, h0, out=t2)  # tens
    np.left_shift(t3, 8, out=t3)
    np.bitwise_or(t3, t2, out=t3)
    np.bitwise_or(t3, 0x3030, out=t3)  # two digits
    np.greater_equal(t1, 100, out=other)
    np.left_shift(t3, 8, out=h0)
    np.bitwise_or(h0, t4, out=h0)
    np.bitwise_or(h0, 0x30, out=h0)
    np.copyto(t3, h0, where=other)  # three digits
    np.add(other, 5, out=slen, casting="unsafe")  # e, sign, 2 or 3 digits, separator
    np.left_shift(slen, 3, out=t1)
    np.subtract(t1, 8, out=t1)
    np.left_shift(sep[0], t1, out=t1)
    np.left_shift(t3, 16, out=t3)
    np.bitwise_or(t3, t1, out=t3)
    np.less(X, 0, out=other)
    np.multiply(other, 0x2D - 0x2B, out=t2, casting="unsafe")
    np.add(t2, 0x2B, out=t2)
    np.left_shift(t2, 8, out=t2)
    np.bitwise_or(t3, t2, out=t3)
    np.bitwise_or(t3, 0x65, out=suffix)
    np.copyto(suffix, sep[0], where=np.logical_not(expo, out=other))
    np.copyto(slen, 1, where=other)
    at = plen
    np.add(at, m, out=at)
    np.add(at, dot, out=at)
    word = s("word")
    np.right_shift(at, 3, out=word)
    np.bitwise_and(at, 7, out=t1)
    np.left_shift(t1, 3, out=t1)
    np.left_shift(suffix, t1, out=t2)  # the part in word `word`
    np.subtract(64, t1, out=t1)
    np.right_shift(suffix, t1, out=t3)  # the part in the next word
    for j, w in enumerate((w0, w1, w2)):
        np.equal(word, j, out=other)
        np.bitwise_or(w, t2, out=w, where=other)
        if j:
            np.equal(word, j - 1, out=other)
            np.bitwise_or(w, t3, out=w, where=other)
    np.add(at, slen, out=length, casting="unsafe")
    if not everything:
        special, size = _special(x, sep)
        np.logical_not(plain, out=other)
        np.copyto(w0, special, where=other)
        np.copyto(w1, 0, where=other)
        np.copyto(w2, 0, where=other)
        np.copyto(length, size, where=other)
    if bad.any():
        for i in np.flatnonzero(bad):
            text = shortest_text(float(x[i])).encode() + sep
            w0[i], w1[i], w2[i] = (int.from_bytes(text[j:j + 8], "little") for j in (0, 8, 16))
            length[i] = len(text)


def _lowmask(count: np.ndarray, skip: int, out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """Words with the low ``count - skip`` bytes set (clipped to 0..8), into ``out``."""
    np.subtract(count, skip, out=work)
    np.minimum(work, 8, out=work)
    if skip:
        np.copyto(work, 0, where=count < skip)
    np.left_shift(work, 3, out=work)
    np.left_shift(1, work, out=out)
    return np.subtract(out, 1, out=out)


def _mask(word: np.ndarray, count: np.ndarray, skip: int, mask: np.ndarray, work: np.ndarray) -> None:
    """Keep the low ``count - skip`` bytes of ``word`` (in place)."""
    _lowmask(count, skip, mask, work)
    np.bitwise_and(word, mask, out=word)
