"""render/page/groups.py: the page's input groups, idle knobs and domains."""

from __future__ import annotations

import pytest
from conftest import ROOT

import calcgraph
from calcgraph.render.page.groups import RESULTS, domain, idle_inputs, input_group, live_names, ordered_inputs


@pytest.fixture(scope="module")
def ev():
    return calcgraph.load(ROOT / "scenarios" / "llama3-70b-tpu-v5e.yaml").evaluated


def _inputs(ev) -> list[str]:
    return [n for n in ev.graph.order if n in ev.scenario.bound]


def test_workload_names_come_first_then_hardware_model_assumptions(ev):
    order = ordered_inputs(ev, _inputs(ev))
    assert order[:5] == ["batch", "seq_len", "prefill_len", "gen_len", "chips"]
    groups = [input_group(ev, n) for n in order]
    assert groups == sorted(groups, key=["workload", "hardware", "model", "assumptions"].index)


def test_groups_follow_the_preset_a_value_came_from(ev):
    assert input_group(ev, "hbm_bandwidth") == "hardware"  # presets/chips
    assert input_group(ev, "kv_bytes") == "model"  # presets/dtypes
    assert input_group(ev, "hbm_efficiency") == "assumptions"  # presets/assumptions


def test_a_colon_in_a_folder_name_does_not_hide_the_preset_kind():
    """A Windows drive (C:\\) or a folder named ``a:b``: the group comes from the file, not from text cut at a colon."""
    from types import SimpleNamespace

    from calcgraph.errors import Location
    where = Location("/data/run:1/presets/chips/h100.yaml", 3)
    ev = SimpleNamespace(scenario=SimpleNamespace(bound={"hbm": SimpleNamespace(where=where)}),
                         graph={"hbm": SimpleNamespace(where=Location("/data/run:1/formulas/memory.yaml", 9))})
    assert input_group(ev, "hbm") == "hardware"
    ev.scenario.bound["hbm"].where = "--set hbm=80GB"
    assert input_group(ev, "hbm") == "model"  # a --set value: the module that declares it


def test_a_product_with_an_exact_zero_factor_keeps_only_that_factor():
    node = ("+", ("*", ("name", "mla"), ("name", "rank")), ("name", "d_head"))
    assert live_names(node, {"mla": 0.0, "rank": 512.0, "d_head": 128.0}) == {"mla", "d_head"}
    assert live_names(node, {"mla": 1.0, "rank": 512.0, "d_head": 128.0}) == {"mla", "rank", "d_head"}


def test_mla_and_moe_knobs_are_idle_for_a_dense_model(ev):
    idle = idle_inputs(ev, list(ev.spec.report) + list(RESULTS))
    assert {"kv_lora_rank", "q_lora_rank", "n_experts", "d_ff_expert"} <= idle
    assert not {"batch", "seq_len", "chips", "hbm_bandwidth", "kv_bytes", "weight_bytes"} & idle


def test_moe_knobs_are_not_idle_for_a_mixture_of_experts():
    ev = calcgraph.load(ROOT / "scenarios" / "models" / "mixtral-8x7b-h100.yaml").evaluated
    idle = idle_inputs(ev, list(ev.spec.report) + list(RESULTS))
    assert not {"n_experts", "experts_per_token", "d_ff_expert"} & idle


def test_domain_words_are_those_of_the_command_line(ev, run):
    assert domain(ev.graph["batch"])["text"] == "must be >= 1 seq"
    assert domain(ev.graph["hbm_efficiency"])["text"] == "must be > 0 and <= 1"
    assert domain(ev.graph["price_per_chip_hour"]) is None
    status, _, err = run("eval", "--set", "hbm_efficiency=0")
    assert status == 2 and "must be > 0 and <= 1" in err
