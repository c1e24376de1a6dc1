import pytest
from conftest import fixture

import calcgraph
from calcgraph.core.bind import parse_set_arg
from calcgraph.errors import SetValueError, UnitMismatchError, UnknownNameError

LAYERED = fixture("layered/scenario.yaml")


def test_values_flow_default_preset_scenario_variant_cli():
    model = calcgraph.load(LAYERED)
    assert model.scenario.bound["kv_per_token"].origin == "default"
    assert model.scenario.bound["batch"].origin == "preset"
    assert model.scenario.bound["seq_len"].origin == "scenario"
    assert model.value("batch") == 8 and model.value("seq_len") == 8192
    big = calcgraph.load(LAYERED, variant="big")
    assert big.value("batch") == 32 and big.scenario.bound["batch"].origin == "variant big"
    cli = calcgraph.load(LAYERED, variant="big", sets=[parse_set_arg("batch=2", origin="--set")])
    assert cli.value("batch") == 2 and cli.scenario.bound["batch"].where == "--set batch=2"


def test_set_with_a_unit_is_converted():
    model = calcgraph.load(LAYERED, set={"kv_per_token": "160 KiB/token"})
    assert model.value("kv_per_token") == 163840


def test_pinned_result_is_marked_and_used_downstream():
    model = calcgraph.load(fixture("pinned.yaml"))
    assert model.scenario.pinned == ["hbm_capacity"]
    assert model.value("spare", "GB") == pytest.approx(30)


def test_api_set_returns_a_new_model():
    model = calcgraph.load(LAYERED)
    bigger = model.set(batch=64)
    assert (model.value("batch"), bigger.value("batch")) == (8, 64)
    assert bigger.value("kv_cache_bytes", "B") == pytest.approx(163840 * 8192 * 64)


@pytest.mark.parametrize("text, error", [
    ("btch=2", UnknownNameError), ("batch=abc", SetValueError), ("batch=2 GB", UnitMismatchError),
    ("batch=__import__('os').system('ls')", SetValueError), ("=3", SetValueError),
])
def test_bad_set_values(text, error):
    with pytest.raises(error):
        calcgraph.load(LAYERED, sets=[parse_set_arg(text)])


def test_unknown_variant_lists_the_known_ones():
    with pytest.raises(SetValueError, match="big, pinned"):
        calcgraph.load(LAYERED, variant="nope")


# ------------------------------------------------------------------ one graph per formulas and pins

def test_variants_that_only_set_inputs_share_one_graph_and_a_pin_gets_its_own():
    base = calcgraph.load(LAYERED)
    big = base.with_variant("big")  # a value for batch: the same formulas, the same edges
    assert big.graph is base.graph and big.value("batch") == 32
    tiny = calcgraph.load(fixture("tiny.yaml"))
    assert tiny.set(chips=16).graph is tiny.graph  # an input
    pinned = tiny.set(hbm_capacity="100 GB")  # a computed quantity: its formula adds no edge
    assert pinned.graph is not tiny.graph and not pinned.graph.dag.has_edge("chips", "hbm_capacity")
    assert tiny.graph.dag.has_edge("chips", "hbm_capacity") and tiny.value("hbm_capacity") == 64e9


def test_a_graph_with_a_problem_is_not_remembered_and_the_problem_is_raised_every_time():
    for _ in range(2):
        with pytest.raises(UnknownNameError):
            calcgraph.load(fixture("unknown_name.yaml"))
    for _ in range(2):
        with pytest.raises(UnitMismatchError):
            calcgraph.load(fixture("unit_mismatch.yaml"))
