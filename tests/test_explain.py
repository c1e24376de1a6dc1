from conftest import DEFAULT

import calcgraph


def test_explain_t_step_writes_values_in_place_in_the_formula_order():
    text = calcgraph.load(DEFAULT).explain("t_step")
    assert "t_step = max(t_flops, t_param_load) + t_kv_load" in text
    assert "= max((2.8426 ms), (10.802 ms)) + (6.628 ms)" in text
    assert "= 17.431 ms" in text


def test_explain_traces_inputs_to_their_yaml_lines():
    text = calcgraph.load(DEFAULT).explain("kv_per_token")
    assert "n_kv_heads = 8    [preset: presets/models/llama3-70b.yaml:9]" in text


def test_explain_marks_pinned_quantities():
    text = calcgraph.load(DEFAULT, set={"t_step": "17 ms"}).explain("throughput")
    assert "t_step = 17 ms  (pinned at set() t_step=17 ms" in text
    assert "typed over t_step = " in text and "t_param_load =" not in text  # what it was computed from: cut


def test_explain_shows_the_formula_a_pin_types_over():
    text = calcgraph.load("tests/fixtures/pin-breaks-cycle.yaml").explain("chips")
    assert "typed over tp_degree = chips / (pp_degree * one_chip)    [tests/fixtures/pin-breaks-cycle.yaml:6]" in text


def test_explain_shows_how_a_solve_node_was_solved():
    text = calcgraph.load().explain("max_batch")
    constraint = "param_bytes + draft_bytes + kv_cache_allocated <= usable_hbm"   # draft_bytes: 0 without a draft
    assert f"max_batch = the largest batch with {constraint}" in text
    assert ("floor((-draft_param_bytes - param_bytes + usable_hbm)/"
            "(draft_kv_elements*kv_bytes*seq_len + kv_per_token_stored*kv_tokens_allocated))") in text
    assert "= 43 seq" in text and f"binding: {constraint}" in text
