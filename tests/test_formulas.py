"""The switches beyond the chapter, and the mistakes existing calculators make."""

import re

import pytest
from conftest import DEFAULT, ROOT

import calcgraph
from calcgraph.cli import main

SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def main_case():
    return calcgraph.load(DEFAULT)


# Regressions: what other calculators get wrong.

def test_kv_per_token_counts_kv_heads_not_query_heads(main_case):
    assert main_case.value("kv_per_token", "B/token") == 2 * 80 * 8 * 128 * 1
    more_query_heads = calcgraph.load(DEFAULT, set={"n_heads": 128})
    assert more_query_heads.value("kv_per_token", "B/token") == 163840
    as_if_mha = calcgraph.load(DEFAULT, set={"n_kv_heads": 64})
    assert as_if_mha.value("kv_per_token", "B/token") == 8 * 163840


def test_kv_cache_is_read_once_per_step(main_case):
    once = main_case.value("kv_cache_bytes", "B") / (8 * 8.1e11)
    assert main_case.value("t_kv_load", "s") == pytest.approx(once, rel=1e-12)
    memory_bound = max(main_case.value("t_flops", "s"), main_case.value("t_param_load", "s"))
    assert main_case.value("t_step", "s") == pytest.approx(memory_bound + once, rel=1e-12)


def test_40_gib_kv_cache_is_42_95_gb_never_mixed(main_case):
    assert main_case.value("kv_cache_bytes", "B") == 40 * 2**30
    assert main_case.value("kv_cache_bytes", "GB") == pytest.approx(42.95, abs=0.005)
    assert main_case.value("kv_cache_bytes", "GiB") == pytest.approx(40, rel=1e-12)


def test_hardware_sheet_gib_is_converted_exactly():
    model = calcgraph.load(DEFAULT, set={"hbm_per_chip": "80 GiB/chip"})
    assert model.value("hbm_per_chip", "B/chip") == 80 * 2**30
    assert model.value("hbm_per_chip", "GB/chip") == pytest.approx(85.899, abs=5e-4)


def test_kv_heads_replicated_when_tp_exceeds_them_doubles_the_cache_at_16_way():
    sharded = calcgraph.load(DEFAULT, set={"chips": 16})
    replicated = calcgraph.load(DEFAULT, set={"chips": 16, "kv_replicate": 1})
    assert replicated.value("kv_heads_stored") == 16
    assert replicated.value("kv_per_token_stored", "B/token") == 2 * 163840
    assert replicated.value("kv_cache_bytes") == pytest.approx(2 * sharded.value("kv_cache_bytes"), rel=1e-12)
    assert replicated.value("kv_per_token", "B/token") == 163840  # per logical token, as the chapter says
    assert replicated.value("t_kv_load") == pytest.approx(2 * sharded.value("t_kv_load"), rel=1e-12)
    assert replicated.value("max_batch") < sharded.value("max_batch")


def test_kv_replication_changes_nothing_while_tp_is_within_the_kv_heads():
    for chips in (4, 8):
        plain = calcgraph.load(DEFAULT, set={"chips": chips})
        replicated = calcgraph.load(DEFAULT, set={"chips": chips, "kv_replicate": 1})
        assert replicated.value("kv_cache_bytes") == plain.value("kv_cache_bytes")


def test_defaults_are_the_chapters_simplifications_in_every_scenario():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        if "assumptions/chapter.yaml" not in path.read_text():
            continue  # planner and comparison scenarios use the engine's assumptions
        model = calcgraph.load(path)
        assert model.value("kv_replicate") == 0 and model.value("hbm_efficiency") == 1, path.name
        assert model.value("kv_per_token_stored") == model.value("kv_per_token"), path.name


# The efficiency switches.

def test_hbm_efficiency_slows_the_loads_not_the_flops(main_case):
    real = calcgraph.load(DEFAULT, set={"hbm_efficiency": 0.7})
    for name in ("t_param_load", "t_kv_load"):
        assert real.value(name) == pytest.approx(main_case.value(name) / 0.7, rel=1e-12)
    assert real.value("t_flops") == main_case.value("t_flops")
    assert real.value("t_step", "ms") == pytest.approx(17.431 / 0.7, abs=0.005)
    assert real.value("latency_floor") == main_case.value("latency_floor")  # the peak-bandwidth floor


def test_mfu_scales_prefill_time(main_case):
    half = calcgraph.load(DEFAULT, set={"mfu": 0.2})
    assert half.value("prefill_time") == pytest.approx(2 * main_case.value("prefill_time"), rel=1e-12)


def test_cost_per_million_tokens_is_in_usd_per_million_tokens(main_case):
    assert str(main_case["cost_per_million_tokens"].unit.text) == "USD/Mtok"
    chip_hours_per_second = 8 / 3600
    per_token = 1.2 * chip_hours_per_second / main_case.value("throughput", "token/s")
    assert main_case.value("cost_per_million_tokens", "USD/token") == pytest.approx(per_token, rel=1e-12)
    assert main_case.value("cost_per_million_tokens") == pytest.approx(per_token * 1e6, rel=1e-12)
    assert main_case.value("cost_per_million_tokens") == pytest.approx(1.4525, abs=5e-5)


# Presets and scenarios agree; the default switches to LLaMA 3-8B on an H100 in two lines.

def test_default_scenario_switches_to_llama3_8b_on_h100_by_two_use_lines(tmp_path):
    text = DEFAULT.read_text()
    uses = re.findall(r"^  - \.\./presets/(models|chips)/.*$", text, flags=re.M)
    assert sorted(uses) == ["chips", "models"]
    switched = (text.replace("../presets/models/llama3-70b.yaml", "../presets/models/llama3-8b.yaml")
                    .replace("../presets/chips/tpu-v5e.yaml", "../presets/chips/h100.yaml"))
    changed = [a for a, b in zip(text.splitlines(), switched.splitlines(), strict=True) if a != b]
    assert len(changed) == 2
    path = tmp_path / "llama3-8b-h100.yaml"
    path.write_text(switched.replace("../", f"{ROOT}/"))
    model = calcgraph.load(path)
    assert model.value("layers") == 32 and model.value("n_params") == 8.03e9
    assert model.value("kv_per_token", "B/token") == 2 * 32 * 8 * 128
    assert model.value("hbm_per_chip", "B/chip") == 80 * 2**30
    assert model.value("flops_per_chip", "FLOP/s/chip") == 9.9e14
    assert model.value("t_step", "s") == pytest.approx(
        (8.03e9 + 2 * 32 * 8 * 128 * 8192 * 32) / (8 * 3.35e12), rel=1e-12)


@pytest.mark.parametrize("variant, preset", [
    ("h100", "h100"), ("tpu-v5p", "tpu-v5p"), ("tpu-v5e", "tpu-v5e")])
def test_flops_per_dollar_variants_match_the_chip_presets(variant, preset, tmp_path):
    table = calcgraph.load(SCENARIOS / "flops-per-dollar.yaml", variant=variant)
    path = tmp_path / "chip.yaml"
    path.write_text(f"use: [{ROOT}/formulas/serving.yaml, {ROOT}/presets/chips/{preset}.yaml]\n")
    chip = calcgraph.load(path)
    for name in ("flops_per_chip_bf16", "price_per_chip_hour"):
        assert table.value(name) == pytest.approx(chip.value(name), rel=1e-12), name


def test_verify_exits_0_over_every_scenario(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "0 failing" in out and "unexplained" not in out


def test_every_formula_module_checks_on_its_own(capsys):
    modules = sorted(str(p) for p in (ROOT / "formulas").glob("*.yaml"))
    names = {p.rsplit("/", 1)[-1] for p in modules}
    assert {"serving.yaml", "architectures.yaml", "benchmark.yaml", "energy.yaml", "traffic.yaml"} <= names
    assert main(["check", *modules]) == 0, capsys.readouterr().out
