"""A small discrete-event simulation of an M/G/c FCFS queue (numpy), to check the traffic formulas against.

Not part of the package: the formulas (formulas/traffic.yaml) are the product; this
draws Poisson arrivals and lognormal prompt lengths, maps each length to its own
service time and queueing-free TTFT (as the graph computes them), and serves the
requests first come, first served on ``servers`` identical servers.
"""

from __future__ import annotations

import heapq

import numpy as np

QUANTILES = (0.5, 0.9, 0.99)


def lognormal_lengths(rng, mean: float, cv: float, n: int) -> np.ndarray:
    """``n`` lengths, lognormal with this mean and coefficient of variation (all equal to ``mean`` at cv 0)."""
    if cv == 0:
        return np.full(n, float(mean))
    sigma2 = np.log1p(cv * cv)
    return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), n)


def fcfs_waits(arrivals: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """Waits in queue of requests (sorted by arrival) on ``servers`` FCFS servers."""
    free = [0.0] * servers
    waits = np.empty(len(arrivals))
    for i, (t, s) in enumerate(zip(arrivals.tolist(), service.tolist(), strict=True)):
        start = max(t, free[0])
        waits[i] = start - t
        heapq.heapreplace(free, start + s)
    return waits


def simulate(rate: float, servers: int, lengths: np.ndarray, service_of, ttft_of, seed: int = 1,
             warmup: float = 0.1) -> dict:
    """Waits and whole TTFTs of Poisson arrivals at ``rate`` with these lengths (first ``warmup`` share dropped).

    ``service_of`` and ``ttft_of`` map an array of lengths to service times and
    queueing-free TTFTs (seconds).
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / rate, len(lengths)))
    service = np.asarray(service_of(lengths), dtype=float)
    waits = fcfs_waits(arrivals, service, servers)
    ttft = waits + np.asarray(ttft_of(lengths), dtype=float)
    keep = slice(int(len(lengths) * warmup), None)
    waits, ttft = waits[keep], ttft[keep]
    out = {"wait_mean": float(waits.mean()), "wait_probability": float((waits > 0).mean()),
           "utilisation": float(rate * service.mean() / servers)}
    for q in QUANTILES:
        out[f"ttft_p{round(q * 100)}"] = float(np.quantile(ttft, q))
    return out


def compare(model, rate: float, cv: float, n: int = 100_000, seed: int = 1) -> dict:
    """Analytic against simulated TTFT percentiles of ``model`` (a calcgraph Model) at ``rate`` (sequence/s).

    The simulation is driven by the graph itself: each simulated prompt's service time
    (``prefill_service_time``) and queueing-free TTFT (``ttft``), in seconds (their declared
    unit), are what the graph computes at that prompt's length with ``prefill_len_cv = 0``;
    the servers are ``queue_servers``.
    """
    model = model.set(request_rate=f"{rate} sequence/s", prefill_len_cv=cv)
    mean = model.value("prefill_len")
    fixed = model.set(prefill_len_cv=0).evaluator(["prefill_service_time", "ttft"], ["prefill_len"])
    lengths = lognormal_lengths(np.random.default_rng(seed + 1000), mean, cv, n)
    service, own = (np.broadcast_to(np.asarray(v, float), lengths.shape) for v in fixed(lengths))
    servers = int(round(model.value("queue_servers")))
    arrivals = model.value("queue_arrival_rate")  # sequence/s at one queue
    sim = simulate(arrivals, servers, lengths, lambda _: service, lambda _: own, seed=seed)
    analytic = {name: model.value(name, "s") for name in ("ttft_p50", "ttft_p90", "ttft_p99", "queue_wait_mean")}
    return {"utilisation": model.value("prefill_utilisation"), "sim_utilisation": sim["utilisation"],
            "analytic": analytic, "simulated": sim}
