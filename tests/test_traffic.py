"""formulas/traffic.yaml: length distributions, prefill queues and percentile latencies, checked against a
discrete-event simulation (tests/queue_sim.py) driven by the graph's own per-length prefill times."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT, fixture
from queue_sim import QUANTILES, compare, fcfs_waits, lognormal_lengths

import calcgraph

CONTRACT = fixture("traffic_contract.yaml")
PERCENTILES = [f"ttft_p{round(q * 100)}" for q in QUANTILES]


@pytest.fixture(scope="module")
def contract():
    return calcgraph.load(CONTRACT)


def _rate(model, utilisation: float) -> float:
    """The request rate (sequence/s) that runs the model's prefill queue at ``utilisation``."""
    return utilisation * model.value("queue_servers") / model.value("prefill_service_time", "s")


def _errors(result) -> dict:
    return {k: result["analytic"][k] / result["simulated"][k] - 1 for k in PERCENTILES}


# The contract: within 20 % at utilisation 0.5 and 0.8, 25 % at 0.9 (prompts lognormal, mean 2048, CV 1);
# also with the prefill twice as fast (fp8 at the fp8 FLOP rate): the simulation is driven by the graph's
# own per-length times, whatever they are.
@pytest.mark.parametrize("speed", [1.0, 2.0])
@pytest.mark.parametrize("utilisation, tolerance", [(0.5, 0.20), (0.8, 0.20), (0.9, 0.25)])
def test_contract_ttft_percentiles_match_the_simulated_pool(contract, utilisation, tolerance, speed):
    flops = contract.value("flops_per_chip", "FLOP/s/chip") * speed
    contract = contract.set(flops_per_chip=f"{flops} FLOP/s/chip")
    result = compare(contract, _rate(contract, utilisation), cv=1.0, n=200_000)
    assert result["utilisation"] == pytest.approx(utilisation, rel=1e-9)
    for name, error in _errors(result).items():
        assert abs(error) <= tolerance, (name, result)


# Tolerance reached over utilisation 0.3-0.9 and CV 0-2 (docs/traffic.md gives the table): p99 and p90
# within 20 % (p90 within 25 % at CV 2: 24.6 % low at utilisation 0.9); the median within 30 % (at CV 2 and
# high load the matched lognormal puts it too high). At CV 2 with the prefill linear in the prompt (attention
# FLOPs off): the square-law attention part draws on the length's fourth moment, which a 10^5-prompt sample
# of a CV-2 lognormal does not reach (next test).
@pytest.mark.parametrize("cv", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("utilisation", [0.3, 0.5, 0.7, 0.9])
def test_ttft_percentiles_track_the_simulation_over_load_and_spread(contract, utilisation, cv):
    model = contract.set(attn_flops=0) if cv == 2.0 else contract
    errors = _errors(compare(model, _rate(model, utilisation), cv=cv, n=100_000))
    assert abs(errors["ttft_p99"]) <= 0.20, errors
    assert abs(errors["ttft_p90"]) <= (0.25 if cv == 2.0 else 0.20), errors
    assert abs(errors["ttft_p50"]) <= 0.30, errors


# With attention FLOPs at CV 2 the formulas use the lognormal's exact moments (E[L^4] = 5^6 E[L]^4), which
# a simulated sample underestimates: the analytic p90 and p99 come out above the simulation (reached: up
# to 63 % above, p99 at utilisation 0.9; never below), on the safe side for sizing.
@pytest.mark.parametrize("utilisation", [0.3, 0.5, 0.7, 0.9])
def test_with_attention_flops_at_cv_2_the_percentiles_err_on_the_high_side(contract, utilisation):
    assert contract.value("t_prefill_attn") > 0
    errors = _errors(compare(contract, _rate(contract, utilisation), cv=2.0, n=100_000))
    for name in ("ttft_p90", "ttft_p99"):
        assert -0.10 <= errors[name] <= 0.70, errors


def test_contract_p99_is_about_5_and_13_queueing_free_ttfts_at_half_load_and_0_9(contract):
    # the simulation: 1.06 s and 2.5 s with a 0.20 s prefill (fp8 weights at the bf16 FLOP rate, no
    # attention FLOPs: 5.1 and 12.6 times); calcgraph printed 0.20 s for both before. As ratios, so that a
    # faster prefill keeps the test; with the attention FLOPs engine.yaml counts, a long prompt's prefill
    # grows faster than its length and the ratios are higher.
    for attn_flops, utilisation, ratio in ((0, 0.5, 5.12), (0, 0.9, 13.0), (1, 0.5, 5.49), (1, 0.9, 13.98)):
        linear = contract.set(attn_flops=attn_flops)
        model = linear.set(request_rate=f"{_rate(linear, utilisation)} sequence/s")
        assert model.value("ttft_p99") / model.value("ttft") == pytest.approx(ratio, rel=0.03)


@pytest.fixture(scope="module")
def colocated(contract):
    return contract.set(disaggregated=0, request_rate="2 sequence/s")


# One replica's prefill stream (batch 1024: one replica holds what is in flight), an M/G/1 queue whose service
# is the prompt's prefill plus the decode iteration its chunk shares: within 25 % for prompt CV 0-1 (reached:
# 20 %, p90 at CV 1 and utilisation 0.9). At CV 2 p90 and p99 come out up to 45 % low (docs/traffic.md).
@pytest.mark.parametrize("cv", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("utilisation", [0.3, 0.6, 0.9])
def test_colocated_prefill_stream_is_an_m_g_1_queue_within_25_percent(colocated, utilisation, cv):
    model = colocated.set(prefill_len_cv=cv, batch=1024)
    assert model.value("queue_servers") == 1
    result = compare(model, _rate(model, utilisation), cv=cv, n=100_000)
    assert result["utilisation"] == pytest.approx(utilisation, rel=1e-9)
    errors = _errors(result)
    assert max(abs(e) for e in errors.values()) <= 0.25, errors


def test_without_load_the_percentiles_are_those_of_the_queueing_free_ttft(contract):
    idle = contract.set(request_rate="1e-9 sequence/s")
    ttft, sigma2 = idle.value("ttft", "s"), np.log(2.0)  # CV 1: log-variance ln 2
    square = idle.value("t_prefill_attn", "s")  # grows with the square of the prompt; the rest in proportion
    for name, z in (("ttft_p50", 0.0), ("ttft_p99", 2.3263478740408408)):
        ratio = np.exp(-sigma2 / 2 + z * np.sqrt(sigma2))  # the prompt's quantile over its mean
        own = (ttft - square) * ratio + square * ratio ** 2  # exact: the TTFT grows with the prompt
        # never below it; the lognormal matched to the own TTFT's moments (the square part's heavier tail)
        # may stand a little above it (1.2 % at p99)
        assert own * (1 - 1e-9) <= idle.value(name, "s") <= own * 1.02
    linear = idle.set(attn_flops=0)
    assert linear.value("ttft_p99", "s") == pytest.approx(linear.value("ttft", "s") * np.exp(
        -sigma2 / 2 + 2.3263478740408408 * np.sqrt(sigma2)), rel=1e-6)
    fixed = idle.set(prefill_len_cv=0)
    for name in PERCENTILES:
        assert fixed.value(name, "s") == pytest.approx(fixed.value("ttft", "s"), rel=1e-6)


def test_ttft_keeps_its_queueing_free_meaning(contract):
    busy = contract.set(request_rate=f"{_rate(contract, 0.9)} sequence/s")
    assert busy.value("ttft") == contract.value("ttft")
    own_mean = busy.value("ttft", "s") + busy.value("t_prefill_attn", "s")  # CV 1: E[L^2] = 2 E[L]^2
    assert busy.value("ttft_mean", "s") == pytest.approx(own_mean + busy.value("queue_wait_mean", "s"))


def test_queue_wait_mean_matches_m_m_c_exactly_at_cv_1():
    # exponential service (lognormal CV 1 is not exponential, but Allen-Cunneen is exact for M/M/c): a*Erlang C
    rng = np.random.default_rng(5)
    n, rate, servers = 400_000, 3.2, 4
    arrivals = np.cumsum(rng.exponential(1 / rate, n))
    waits = fcfs_waits(arrivals, rng.exponential(1.0, n), servers)[n // 10:]
    from calcgraph.core.formula.queueing import erlang_c_float
    assert waits.mean() == pytest.approx(erlang_c_float(4, 3.2) / (4 - 3.2), rel=0.05)


def test_lognormal_lengths_have_the_asked_mean_and_cv():
    lengths = lognormal_lengths(np.random.default_rng(2), 2048, 1.0, 400_000)
    assert lengths.mean() == pytest.approx(2048, rel=0.01)
    assert lengths.std() / lengths.mean() == pytest.approx(1.0, rel=0.03)


def test_utilisations_are_load_over_servers(contract):
    assert contract.value("prefill_utilisation") == pytest.approx(
        contract.value("request_rate") * (contract.value("t_prefill_request", "s")
                                          + contract.value("t_prefill_attn", "s")) / 4, rel=1e-12)  # CV 1
    assert 0 < contract.value("decode_utilisation") <= 1


def test_a_pool_at_utilisation_1_5_warns_and_fails_under_strict(run):
    args = ("eval", CONTRACT, "--set", "request_rate=54 sequence/s", "--only", "ttft_p99")
    status, out, err = run(*args)
    assert status == 0 and "prefill queue runs at or above utilisation 1" in err
    status, out, err = run(*args, "--strict")
    assert status == 3


@pytest.mark.parametrize("target, rate", [("2 s", 10), ("1 s", 10), ("1 s", 16), ("3 s", 18)])
def test_prefill_pool_needed_is_the_fewest_replicas_meeting_the_p99_target(contract, target, rate):
    model = contract.set(ttft_p99_target=target, request_rate=f"{rate} sequence/s")
    needed = model.value("prefill_pool_needed")
    at = model.set(prefill_replicas=needed)
    assert at.value("ttft_p99") <= at.value("ttft_p99_target") and at.value("prefill_utilisation") < 1
    if needed > 1:
        fewer = model.set(prefill_replicas=needed - 1)
        assert fewer.value("ttft_p99") > fewer.value("ttft_p99_target") or fewer.value("prefill_utilisation") >= 1


def test_best_sizes_the_prefill_pool_by_percentile_targets(run):
    status, out, err = run("best", CONTRACT, "--minimize", "total_chips", "--where", "ttft_p99 <= 1 s",
                           "--where", "tpot_p99 <= 50 ms", "--set", "request_rate=10 sequence/s",
                           "--vary", "prefill_replicas=1:12")
    assert status == 0, err
    model = calcgraph.load(CONTRACT, set={"request_rate": "10 sequence/s", "ttft_p99_target": "1 s"})
    needed = int(model.value("prefill_pool_needed"))  # 5 with the bf16 FLOP rate: 4 replicas give 1.04 s
    chips = int(model.value("chips") * (model.value("dp_replicas") + needed))
    assert f"**total_chips = {chips} chips** at prefill_replicas = {needed}" in out


def test_seq_len_p99_is_the_full_length_without_spread_and_grows_with_it(contract):
    fixed = contract.set(prefill_len_cv=0)
    assert fixed.value("seq_len_p99") == pytest.approx(2048 + 256, rel=1e-12)
    spread = contract.value("seq_len_p99")
    assert spread == pytest.approx(2304 + 2.3263478740408408 * 2048 / 8, rel=1e-9)  # CV 1 over a batch of 64


def test_tpot_percentiles_bracket_tpot_and_the_context_spread_averages_over_the_batch(contract):
    p50, p99, tpot = (contract.value(n, "ms") for n in ("tpot_p50", "tpot_p99", "tpot"))
    assert p50 <= tpot < p99
    small = contract.set(batch=4)
    relative = {m: m.value("tpot_kv_sd") / m.value("t_kv_load") for m in (contract, small)}
    assert relative[small] / relative[contract] == pytest.approx(4.0, rel=1e-9)  # sqrt(64 / 4)


def test_colocated_tpot_spreads_with_the_prefills_that_share_its_steps(colocated):
    assert colocated.value("tpot_prefill_sd") > 0
    assert colocated.set(disaggregated=1).value("tpot_prefill_sd") == 0


def test_e2e_percentiles_grow_with_the_generated_length_spread(contract):
    assert contract.value("e2e_p50") < contract.value("e2e_p99")
    assert contract.set(gen_len_cv=1).value("e2e_p99") > contract.value("e2e_p99")


def test_the_fast_evaluator_computes_percentiles_as_eval_does(contract):
    speed = contract.evaluator(["ttft_p99", "tpot_p99", "prefill_utilisation"], ["request_rate"])
    for rate in (5.0, 10.0, 18.0):
        slow = contract.set(request_rate=f"{rate} sequence/s")
        got = speed(rate)
        want = [slow.value(n) for n in ("ttft_p99", "tpot_p99", "prefill_utilisation")]
        assert got == pytest.approx(want, rel=1e-12)
    grid = speed(np.array([5.0, 10.0, 18.0]))
    assert grid[0] == pytest.approx([speed(r)[0] for r in (5.0, 10.0, 18.0)], rel=1e-12)


def test_eval_json_gives_the_traffic_vocabulary(run):
    status, out, err = run("eval", CONTRACT, "--json")
    assert status == 0, err
    values = json.loads(out)["values"]
    for name in ("prefill_len_cv", "gen_len_cv", "ttft_p50", "ttft_p90", "ttft_p99", "tpot_p50", "tpot_p99",
                 "queue_wait_mean", "prefill_utilisation", "decode_utilisation", "e2e_p50", "e2e_p99"):
        assert values[name]["value"] is not None, name


def test_traffic_module_is_listed_by_serving():
    assert "traffic.yaml" in (ROOT / "formulas" / "serving.yaml").read_text()
