"""A user's own model and chip, trusted: each item found when tried as a new user would.

No silent defaults for model or chip facts, units on every dimensioned input,
domains, feasibility checks as warnings (exit 3 with --strict), a one-pass
check, variants that switch presets, and pins that flow to what means them.
"""

from __future__ import annotations

import pytest
from conftest import fixture

import calcgraph
from calcgraph.cli import main
from calcgraph.errors import SetValueError, UnitError

H100 = fixture("trust/llama70b-h100.yaml")


# ---------------------------------------------------------------- item 1: required inputs

def test_a_model_preset_without_n_params_stops_with_the_field_to_add(run):
    status, out, err = run("eval", fixture("trust/forgot-n-params.yaml"))
    assert status == 2 and out == ""
    assert "n_params" in err and "add `n_params:` to the set: of your model preset (presets/models/)" in err
    assert "70" not in err.split("n_params")[0]  # no LLaMA 3-70B figure borrowed


def test_a_chip_preset_missing_figures_names_every_one_in_one_message(run):
    status, _, err = run("eval", fixture("trust/partial-chip.yaml"))
    assert status == 2 and "2 required inputs missing" in err
    assert "ici_bandwidth" in err and "flops_per_chip_int8" in err and "tp_limit_ici" in err
    assert "presets/chips/" in err


def test_a_preset_alone_gives_what_needs_only_its_own_figures():
    model = calcgraph.load("presets/models/llama3-8b.yaml")
    assert model.value("n_params_estimate") > 8e9
    with pytest.raises(SetValueError, match="hbm_per_chip"):
        model.value("min_chips")


def test_a_formula_module_checks_on_its_own_with_a_note(run):
    status, out, _ = run("check", "formulas/memory.yaml")
    assert status == 0 and "note: a module or preset on its own" in out and "layers" in out


# ---------------------------------------------------------------- item 2: units on input

def test_a_bare_bandwidth_on_the_command_line_asks_for_its_unit(run):
    status, _, err = run("eval", "--set", "hbm_bandwidth=3.35")
    assert status == 2 and "--set hbm_bandwidth=3.35" in err and "needs a unit" in err
    assert 'hbm_bandwidth=3.35 GB/s/chip' in err and "declared: B/s/chip" in err


@pytest.mark.parametrize("setting", ["t_step=17", "hbm_per_chip=80"])
def test_bare_seconds_or_bytes_are_refused(run, setting):
    status, _, err = run("eval", "--set", setting)
    assert status == 2 and f"--set {setting}" in err and "Traceback" not in err


def test_counts_still_take_a_bare_number():
    assert calcgraph.load(sets=[]).set(batch=64).value("batch") == 64


def test_a_bare_number_in_yaml_names_its_line():
    with pytest.raises(UnitError, match="bare-bandwidth.yaml:3.*needs a unit"):
        calcgraph.load(fixture("trust/bare-bandwidth.yaml"))


# ---------------------------------------------------------------- item 3: domains and feasibility

def test_a_negative_batch_is_refused_naming_the_setting(run):
    status, _, err = run("eval", "--set", "batch=-5")
    assert status == 2 and "--set batch=-5" in err and "must be >= 1 seq" in err


def test_values_outside_a_declared_domain_name_their_line(run):
    status, out, _ = run("check", fixture("trust/out-of-domain.yaml"))
    assert status == 2 and "out-of-domain.yaml:3: batch = 0 seq" in out and "must be > 0 and <= 1" in out


def test_batch_1000_on_one_h100_warns_that_it_does_not_fit_and_strict_exits_3(run):
    args = ("eval", H100, "--set", "chips=1", "--set", "batch=1000", "--only", "t_step")
    status, out, err = run(*args)
    assert status == 0 and "t_step" in out
    assert "warning: check failed: weights and KV cache do not fit" in err
    assert run(*args, "--strict")[0] == 3


def test_the_chapters_case_passes_every_check():
    ev = calcgraph.load().evaluated
    assert ev.checks and not ev.failed_checks


# ---------------------------------------------------------------- item 4: one-pass check

def test_check_reports_spec_graph_and_expect_problems_at_once(run):
    status, out, _ = run("check", fixture("trust/four-problems.yaml"))
    assert status == 2
    for text in ("unknown key 'quantites'", "unknown quantity 'btch'", "printed '17 GB' is [information]",
                 "unknown variant 'nosuch'"):
        assert text in out


def test_an_empty_file_is_a_clear_error(run):
    for command in ("check", "eval"):
        status, out, err = run(command, fixture("trust/empty.yaml"))
        assert status == 2 and "the file is empty" in out + err


# ---------------------------------------------------------------- item 5: variants switch presets

def test_a_variant_can_use_another_chip_preset():
    base = calcgraph.load(fixture("trust/compare-chips.yaml"))
    h200 = calcgraph.load(fixture("trust/compare-chips.yaml"), variant="h200")
    assert base.value("hbm_per_chip", "GiB/chip") == pytest.approx(80)
    assert h200.value("hbm_per_chip", "GiB/chip") == pytest.approx(141)
    both = calcgraph.load(fixture("trust/compare-chips.yaml"), variant="h200-batch-64")
    assert both.value("batch") == 64 and both.value("hbm_per_chip", "GiB/chip") == pytest.approx(141)


# ---------------------------------------------------------------- item 7: GPU tensor parallelism

def test_gpu_presets_give_one_tp_axis_so_the_ici_limit_is_13():
    assert calcgraph.load(H100).value("tp_limit_ici") == pytest.approx(13.03, abs=0.01)


@pytest.mark.parametrize("chips, words", [(6, "does not divide the query heads"), (16, "more chips than one node")])
def test_gpu_tensor_parallelism_that_splits_heads_or_leaves_the_node_warns(run, chips, words):
    status, _, err = run("eval", H100, "--set", f"chips={chips}", "--only", "t_step")
    assert status == 0 and words in err


# ---------------------------------------------------------------- item 8: smaller

def test_a_single_equals_sign_says_use_double(run):
    status, _, err = run("solve", "--for", "batch", "--where", "t_step = 15 ms")
    assert status == 2 and "write '==' for equality" in err and "unitconst" not in err


def test_a_no_answer_message_shows_a_constant_side_once(run):
    status, _, err = run("solve", "--for", "batch", "--where", "t_step <= 1 ms")
    assert status == 1 and "1 ms = 1 ms" not in err and "is not <= 1 ms" in err


def test_debug_is_accepted_after_the_command():
    assert main(["eval", "--only", "t_step", "--debug"]) == 0


def test_explain_of_a_misspelt_name_does_not_blame_only(run):
    status, _, err = run("explain", "t_stp")
    assert status == 2 and "--only" not in err and "t_step" in err


# ---------------------------------------------------------------- item 9: pins flow, or say they do not

def test_pinning_kv_per_token_moves_the_kv_cache_and_the_step():
    model = calcgraph.load()
    pinned = model.set(kv_per_token="100e3 B/token")
    assert pinned.value("kv_cache_bytes", "GB") == pytest.approx(100e3 * 8192 * 32 / 1e9)
    assert pinned.value("t_step") < model.value("t_step")


def test_a_setting_no_requested_output_uses_gives_a_warning(run):
    status, _, err = run("eval", "--set", "price_per_chip_hour=2 USD/chip/hour", "--only", "t_step")
    assert status == 0 and "changes no requested output" in err and "price_per_chip_hour" in err
