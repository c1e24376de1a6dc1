"""The deployment's bill (deployment_cost_per_mtok, input and output prices), energy (J, W, kWh,
power_per_chip, energy_per_token) and speculative decoding's costs (draft memory, verify and draft steps)."""

from __future__ import annotations

import pytest
from conftest import ROOT

import calcgraph
from calcgraph.core.units import parse_quantity, parse_unit

PLAN = ROOT / "scenarios" / "plan-llama3-70b-h100.yaml"
SPEC = ROOT / "scenarios" / "speculative-llama3-70b-h100.yaml"
WINNER = {"tp_degree": 4, "batch": 30, "request_rate": "20 sequence/s"}   # docs/planner.md's answer
PLANNER = ["best", PLAN, "--where", "ttft <= 2 s", "--where", "tpot <= 50 ms", "--set", "request_rate=20 sequence/s",
           "--vary", "tp_degree=1,2,4,8", "--vary", "batch=1:512"]


@pytest.fixture(scope="module")
def winner():
    return calcgraph.load(PLAN, set=WINNER)


def test_planner_answer_costs_18_75_usd_per_million_output_tokens(winner):
    assert winner.value("total_chips", "chip") == 32
    # 32 chips x 10.8 USD/h over 20 requests/s x 256 tokens = 345.6 USD/h over 18.432 Mtok/h
    assert winner.value("deployment_cost_per_mtok", "USD/Mtok") == pytest.approx(18.75, rel=1e-12)


def test_input_and_output_prices_add_up_to_the_bill_of_a_request(winner):
    per_request = winner.value("deployment_cost_per_mtok", "USD/Mtok") * 256
    parts = (winner.value("cost_per_million_input_tokens", "USD/Mtok") * 2048
             + winner.value("cost_per_million_output_tokens", "USD/Mtok") * 256)
    assert parts == pytest.approx(per_request, rel=1e-12)
    share = winner.value("input_cost_share")
    prefill = winner.value("t_prefill_request", "s") * 4
    decode = winner.value("tpot_decode", "s") * 256 * 4 / 30
    assert share == pytest.approx(prefill / (prefill + decode), rel=1e-12)


def test_cost_per_million_tokens_keeps_its_meaning_one_replica_at_full_batch(winner):
    expected = 10.8 * 4 / winner.value("throughput", "token/hour") * 1e6
    assert winner.value("cost_per_million_tokens", "USD/Mtok") == pytest.approx(expected, rel=1e-12)


def test_best_minimizes_the_deployment_cost(run):
    status, out, _ = run(*PLANNER, "--minimize", "deployment_cost_per_mtok")
    assert status == 0 and "**deployment_cost_per_mtok = 18.75 USD/Mtok** at tp_degree = 4, batch = " in out


def test_the_planner_scenario_reports_the_deployment_cost(run):
    status, out, _ = run("eval", PLAN, "--set", "tp_degree=4", "--set", "batch=30")
    assert status == 0 and "deployment_cost_per_mtok" in out and "18.75  USD/Mtok" in out


def test_a_chip_without_a_price_leaves_the_bill_unknown():
    model = calcgraph.load(ROOT / "scenarios" / "models" / "deepseek-v3-h200x8.yaml")   # H200: no public price
    assert model.value("deployment_cost_per_mtok") != model.value("deployment_cost_per_mtok")   # NaN: unknown


@pytest.mark.parametrize("text, joules", [("1 J", 1), ("1 kWh", 3.6e6), ("1 W*s", 1), ("2 Wh", 7200)])
def test_energy_units_carry_an_energy_dimension(text, joules):
    value, unit = parse_quantity(text)
    assert value * unit.factor == pytest.approx(joules)
    assert str(parse_unit("W").dim) == str(parse_unit("J/s").dim)


def test_h100_draws_700_w_and_a_tpu_without_a_published_tdp_stays_unknown(winner):
    assert winner.value("power_per_chip", "W/chip") == 700
    tpu = calcgraph.load()                         # the default scenario: TPU v5e
    assert tpu.value("power_per_chip") != tpu.value("power_per_chip")
    assert tpu.value("energy_per_token") != tpu.value("energy_per_token")


def test_energy_per_token_is_the_deployments_power_over_its_output_tokens(winner):
    busy = winner.value("chip_busy_fraction")
    assert 0 < busy <= 1
    watts = 32 * 700 * (0.2 + 0.8 * busy)
    assert winner.value("energy_per_token", "J/token") == pytest.approx(watts / (20 * 256), rel=1e-12)
    joules_per_mtok = watts / (20 * 256) * 1e6
    assert winner.value("energy_cost_per_mtok", "USD/Mtok") == pytest.approx(joules_per_mtok / 3.6e6 * 0.081,
                                                                          rel=1e-12)


def test_best_minimizes_energy_per_token(run):
    status, out, _ = run(*PLANNER, "--minimize", "energy_per_token")
    assert status == 0 and "**energy_per_token = " in out and "J/tok** at tp_degree = 8" in out


def test_without_speculation_the_round_is_the_decode_token():
    model = calcgraph.load(SPEC, set={"spec_draft_len": 0})
    assert model.value("t_spec_round") == model.value("t_verify_step") == model.value("t_decode_token")
    assert model.value("draft_bytes") > 0                  # a draft preset in use holds its HBM all the same


def test_the_draft_weights_and_cache_shrink_max_batch():
    without = calcgraph.load(SPEC, set={"spec_draft_len": 0, "draft_params": 0, "draft_kv_elements": "0 /token"})
    draft = calcgraph.load(SPEC)
    assert draft.value("draft_bytes", "B") == pytest.approx(1.236e9 * 2 + 16384 * 2 * 2304 * 8, rel=1e-12)
    assert draft.value("max_batch") < without.value("max_batch")


def test_a_compute_bound_verify_step_costs_the_wider_steps_flops():
    model = calcgraph.load(SPEC, set={"batch": 200, "weight_bytes": "0.5 B", "hbm_efficiency": 1})
    t_f, t_w = model.value("t_flops", "s"), model.value("t_param_load", "s")
    kv = model.value("t_kv_load", "s") * 4 / 2304
    extra = max(5 * t_f, t_w) - max(t_f, t_w) + kv
    assert model.value("t_verify_step", "s") == pytest.approx(model.value("t_decode_token", "s") + extra, rel=1e-12)


@pytest.mark.parametrize("sets, best_length", [
    ([], "6"),                                                                        # memory bound: it pays
    (["--set", "batch=200", "--set", "spec_acceptance=0.1", "--set", "weight_bytes=0.5 B"], "0"),  # it does not
])
def test_best_says_whether_speculation_pays_at_a_batch(run, sets, best_length):
    status, out, _ = run("best", SPEC, "--minimize", "tpot", "--vary", "spec_draft_len=0,1,2,3,4,5,6", *sets)
    assert status == 0 and f"at spec_draft_len = {best_length}\n" in out
