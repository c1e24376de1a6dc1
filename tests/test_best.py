"""calcgraph best: the chapter's closing exercise (LLaMA 3-405B on v5e under 15 ms per token)."""

import pytest

import calcgraph
from calcgraph.engine.best import find_best
from calcgraph.errors import NoSolutionError
from calcgraph.render.best import render_best

EXERCISE = "scenarios/exercise-405b.yaml"
SLICES = "chips=16,32,64,128,256"
FITS = "total_memory <= hbm_capacity"


@pytest.fixture(scope="module")
def exercise():
    return calcgraph.load(EXERCISE)


def test_highest_throughput_of_405b_under_15_ms_is_64_chips_at_batch_121(exercise):
    result = find_best(exercise.evaluated, "throughput_per_chip", "max", ["t_step <= 15 ms", FITS],
                       [SLICES, "batch=1:1024"])
    winner = dict(result.winner.settings)
    assert (winner["chips"], winner["batch"]) == (64, 121)
    # compute bound with the KV load on top: B / (t_step * chips) = 1 / (2P/F + kv_per_seq/W) per chip
    per_chip = 1 / (2 * 405.85e9 / 1.97e14 + 2 * 126 * 8 * 128 * 8192 / 8.2e11)
    assert result.winner.goal == pytest.approx(per_chip, rel=1e-12)
    assert result.feasible == 1002


def test_smallest_step_time_of_405b_is_on_the_largest_slice_at_batch_1(exercise):
    result = find_best(exercise.evaluated, "t_step", "min", [FITS], [SLICES, "batch=1:1024"])
    assert dict(result.winner.settings) == {"chips": 256, "batch": 1}
    assert result.winner.goal == pytest.approx(405.85e9 / (256 * 8.2e11) + 258048 * 8192 / (256 * 8.2e11))


def test_tensor_parallel_limit_leaves_only_32_chips_and_15_5_ms(exercise):
    result = find_best(exercise.evaluated, "t_step", "min", [FITS, "chips <= tp_limit_ici * 1 chip"],
                       [SLICES, "batch=1:1024"])
    assert dict(result.winner.settings)["chips"] == 32
    assert result.winner.goal * 1e3 == pytest.approx(405.85e9 / (32 * 8.2e11) * 1e3 + 0.0806, abs=0.001)


def test_variants_are_candidates_too():
    table = calcgraph.load("scenarios/dtype-table.yaml")
    result = find_best(table.evaluated, "max_batch", "min", [], [])
    assert result.variants == ("bf16", "int8", "int4") and result.total == 3
    assert {c.variant for c in result.per_variant} == {"bf16", "int8", "int4"}


def test_report_has_table_and_derivation(exercise):
    result = find_best(exercise.evaluated, "throughput_per_chip", "max", ["t_step <= 15 ms", FITS],
                       [SLICES, "batch=100:150"])
    text = render_best(exercise.evaluated, result)
    assert "**throughput_per_chip = 149.29 tok/s/chip** at chips = 64 chips, batch = 121 seq" in text
    assert "| chips | batch | throughput_per_chip |" in text
    assert "## Derivation of throughput_per_chip at the winner" in text
    assert "t_step = max(t_flops, t_param_load) + t_kv_load" in text


def test_nothing_feasible_exits_1(run):
    code, out, err = run("best", EXERCISE, "--minimize", "t_step", "--where", "t_step <= 1 ms",
                         "--vary", SLICES)
    assert code == 1 and "no candidate satisfies t_step <= 1 ms (5 tried)" in err and out == ""


def test_unknown_goal_exits_2(run):
    code, _, err = run("best", EXERCISE, "--maximize", "thruput")
    assert code == 2 and "unknown quantity 'thruput'" in err


def test_no_constraint_on_nothing_feasible_is_impossible(exercise):
    with pytest.raises(NoSolutionError):
        find_best(exercise.evaluated, "t_step", "min", ["t_step <= 1 us"], [])


# --- streaming: only the winner, the best few and the counts are kept ----------------

FEWEST = "tests/fixtures/best_integer.yaml"
FEWEST_ARGS = (["memory >= 40 GB", "rate >= 20"], ["chips=1,2,4,8", "replicas=1:4"])


def test_fewest_chips_is_8_and_it_is_verified_against_the_next_lower_total():
    result = find_best(calcgraph.load(FEWEST).evaluated, "total_chips", "min", *FEWEST_ARGS)
    assert dict(result.winner.settings) == {"chips": 4, "replicas": 2}  # 8 chips: first of the 8-chip ties
    assert (result.total, result.feasible) == (16, 7)
    (winner, _, holds), (label, lower, fails) = result.verification
    assert winner == "the winner" and holds == ()
    assert label == "the next lower total_chips among the candidates" and lower.goal == 6
    assert fails == ("memory >= 40 GB", "rate >= 20")


def test_ruled_out_counts_each_failing_constraint_in_order_of_first_appearance():
    result = find_best(calcgraph.load(FEWEST).evaluated, "total_chips", "min", *FEWEST_ARGS)
    # memory needs 4 chips per replica (8 of 16 fail); the rate needs 7 chips in all (8 of 16 fail)
    assert result.ruled_out == (("memory >= 40 GB", 8), ("rate >= 20", 8))


def test_the_table_keeps_the_best_twelve_and_the_best_of_each_variant(exercise):
    result = find_best(exercise.evaluated, "throughput_per_chip", "max", ["t_step <= 15 ms", FITS],
                       [SLICES, "batch=1:1024"])
    goals = [c.goal for c in result.ranked]
    assert len(result.ranked) == 12 and result.ranked[0] == result.winner
    assert goals[1:] == sorted(goals[1:], reverse=True) and result.total == 5 * 1024


def test_a_continuous_goal_is_not_claimed_verified(exercise):
    result = find_best(exercise.evaluated, "throughput_per_chip", "max", [FITS], [SLICES])
    assert result.verification == ()
    assert "Verified" not in render_best(exercise.evaluated, result)


def test_best_over_a_pinned_tp_degree_moves_chips_with_it():
    model = calcgraph.load("tests/fixtures/pin-breaks-cycle.yaml")
    result = find_best(model.evaluated, "hbm", "min", ["tp_degree >= 2"], ["tp_degree=1,2,4"])
    assert dict(result.winner.settings) == {"tp_degree": 2}
    assert result.winner.goal == pytest.approx(2 * 2 * 80e9)  # tp_degree * pp_degree chips of 80 GB
    assert [c.goal for c in result.ranked] == pytest.approx([320e9, 640e9])
