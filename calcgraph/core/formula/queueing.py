"""``erlang_c(servers, load)``, the chance an arrival waits in an M/M/c queue, by one Erlang B recurrence in floats,
numpy and the page (Jagerman 1974: B(k) = a B(k-1) / (k + a B(k-1)), C = c B(c) / (c - a (1 - B(c))));
c is rounded; c < 1 or a >= c waits (1); a < 0 or c > ``MAX_SERVERS`` is NaN."""

from __future__ import annotations

import math

MAX_SERVERS = 100_000
TAIL = (12.0, 40.0)  # the recurrence stops at k = a + 12 sqrt(a) + 40: B below 1e-30, C 0


def erlang_c_float(servers: float, load: float) -> float:
    """Erlang C on floats.

    >>> round(erlang_c_float(2, 1), 6)  # M/M/2 at utilisation 0.5: 1/3
    0.333333
    """
    if servers != servers or load != load or load < 0 or servers > MAX_SERVERS + 0.5:
        return math.nan
    c = round(max(servers, 0.0))  # no servers below 0 (-inf among them)
    if c < 1 or load >= c:
        return 1.0
    if c > load + TAIL[0] * math.sqrt(load) + TAIL[1]:
        return 0.0
    b = 1.0
    for k in range(1, c + 1):
        b = load * b / (k + load * b)
    return c * b / (c - load * (1.0 - b))


def erlang_c(servers, load):
    """Erlang C with numpy: scalars or arrays that broadcast (NaN where either is NaN or out of range)."""
    import numpy as np  # here, not above: generated scalar code imports this module without numpy
    c = np.rint(np.asarray(servers, dtype=float))
    a = np.asarray(load, dtype=float)
    if c.ndim == 0 and a.ndim == 0:
        return erlang_c_float(float(servers), float(load))
    c, a = np.broadcast_arrays(c, a)
    bad = np.isnan(c) | np.isnan(a) | (a < 0) | (c > MAX_SERVERS)
    waits = ~bad & ((c < 1) | (a >= c))
    with np.errstate(all="ignore"):
        idle = ~bad & ~waits & (c > a + TAIL[0] * np.sqrt(np.where(bad, 0.0, a)) + TAIL[1])
        live = ~bad & ~waits & ~idle
        top = int(c[live].max()) if live.any() else 0
        b = np.ones(c.shape)
        for k in range(1, top + 1):
            b = np.where(k <= c, a * b / (k + a * b), b)  # points beyond their stop are 0 anyway
        value = c * b / (c - a * (1.0 - b))
    return np.where(bad, np.nan, np.where(waits, 1.0, np.where(idle, 0.0, value)))
