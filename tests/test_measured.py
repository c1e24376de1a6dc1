"""Predictions held against measurements: the benchmark formula, the dtype's compute precision, validate, calibrate."""

import json
import math
from pathlib import Path

import pytest

import calcgraph
from calcgraph.cli import main
from calcgraph.core.cases import read_validation
from calcgraph.engine.measured import predict_all, summarize

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "validation"


def _scenario(tmp_path, chip="h100", dtypes=("fp8",), assumptions="engine", model="llama3-70b", **sets):
    uses = [ROOT / "formulas/serving.yaml", ROOT / f"presets/models/{model}.yaml", ROOT / f"presets/chips/{chip}.yaml",
            *(ROOT / f"presets/dtypes/{d}.yaml" for d in dtypes), ROOT / f"presets/assumptions/{assumptions}.yaml"]
    values = {"chips": 4, "tp_degree": 4, "batch": 64, "prefill_len": 1024, "gen_len": 1024, "seq_len": 2048, **sets}
    path = tmp_path / "s.yaml"
    path.write_text("title: t\nuse: [" + ", ".join(str(u) for u in uses) + "]\nset: "
                    + json.dumps(values) + "\n")
    return path


def test_fp8_preset_runs_matmuls_at_the_h100_fp8_rate_1979_tflops(tmp_path):
    model = calcgraph.load(_scenario(tmp_path))
    assert model.value("flops_per_chip", "TFLOP/s/chip") == pytest.approx(1979)


def test_int8_weight_only_keeps_bf16_compute_990_tflops(tmp_path):
    model = calcgraph.load(_scenario(tmp_path, dtypes=("int8",)))
    assert model.value("flops_per_chip", "TFLOP/s/chip") == pytest.approx(990)


def test_fp8_then_nvfp4_on_b200_is_fp4_weights_and_compute_with_an_fp8_kv_cache(tmp_path):
    model = calcgraph.load(_scenario(tmp_path, chip="b200", dtypes=("fp8", "nvfp4")))
    assert model.value("flops_per_chip", "TFLOP/s/chip") == pytest.approx(9000)
    assert model.value("weight_bytes", "B") == pytest.approx(4.5 / 8)
    assert model.value("kv_bytes", "B") == 1


def test_fp8_on_tpu_v5e_falls_back_to_bf16_with_a_warning_and_strict_exits_3(tmp_path, capsys):
    path = _scenario(tmp_path, chip="tpu-v5e", dtypes=("fp8",), chips=8, tp_degree=8, batch=8)
    assert calcgraph.load(path).value("flops_per_chip", "TFLOP/s/chip") == pytest.approx(197)
    assert main(["eval", str(path), "--only", "flops_per_chip"]) == 0
    assert "fp8 compute falls back to bf16" in capsys.readouterr().err
    assert main(["eval", str(path), "--only", "flops_per_chip", "--strict"]) == 3


def test_the_input_embedding_lookup_costs_no_flops_when_switched_off(tmp_path):
    on = calcgraph.load(_scenario(tmp_path, assumptions="chapter"))
    off = on.set(embedding_flops=0)
    embedding = 128256 * 8192  # LLaMA 3-70B's untied input embedding
    assert on.value("flops_per_token", "FLOP/token") == pytest.approx(2 * 70e9)
    assert off.value("flops_per_token", "FLOP/token") == pytest.approx(2 * (70e9 - embedding))


def test_tp_limit_ici_of_a_mixture_of_experts_splits_the_expert_width(tmp_path):
    model = calcgraph.load(_scenario(tmp_path, model="mixtral-8x7b", chips=2, tp_degree=2))
    assert model.value("d_ff_split") == 14336  # Mixtral's experts are as wide as its d_ff
    qwen = calcgraph.load(_scenario(tmp_path, model="qwen3-235b-a22b", chips=8, tp_degree=8))
    assert qwen.value("d_ff_split") == 1536  # moe_intermediate_size, not intermediate_size 12288


def test_l40s_at_tp_1_warns_of_nothing(tmp_path, capsys):
    path = _scenario(tmp_path, chip="l40s", model="llama3-8b", chips=1, tp_degree=1, batch=16)
    assert main(["eval", str(path), "--only", "tp_limit_ici", "--strict"]) == 0
    assert "ICI limit" not in capsys.readouterr().err


def test_min_chips_counts_only_the_usable_hbm(tmp_path):
    chapter = calcgraph.load(_scenario(tmp_path, assumptions="chapter"))
    engine = calcgraph.load(_scenario(tmp_path, assumptions="engine"))
    assert engine.value("min_chips") >= chapter.value("min_chips")
    usable = 80 * 2 ** 30 * 0.9
    assert engine.value("min_chips") == math.ceil(
        (engine.value("total_memory", "B") + engine.value("activation_bytes", "B")) / usable)


def test_benchmark_throughput_at_full_overlap_is_the_cycle_roofline(tmp_path):
    model = calcgraph.load(_scenario(tmp_path, assumptions="chapter"))
    v = {n: model.value(n, "s") for n in ("bench_t_weights", "bench_t_kv", "bench_t_decode_flops",
                                           "bench_t_prefill_flops", "bench_t_comm")}
    cycle = max(v["bench_t_decode_flops"] + v["bench_t_prefill_flops"], v["bench_t_weights"] + v["bench_t_kv"])
    assert model.value("bench_t_cycle", "s") == pytest.approx(cycle + v["bench_t_comm"])
    assert model.value("benchmark_throughput_per_chip", "token/s/chip") == pytest.approx(64 * 1024 / cycle / 4)


def test_serial_prefill_is_slower_than_overlapped(tmp_path):
    model = calcgraph.load(_scenario(tmp_path, assumptions="chapter"))
    serial = model.set(prefill_overlap=0)
    assert serial.value("benchmark_throughput_per_chip") < model.value("benchmark_throughput_per_chip")


def test_chapter_figures_stay_95_after_the_new_switches(capsys):
    assert main(["verify"]) == 0
    assert "95 figures" in capsys.readouterr().out


def test_validate_tiny_predicts_each_case_and_the_roofline_bounds_it():
    files = read_validation([FIXTURES / "tiny.yaml"])
    predictions = predict_all(files, "calibrated")
    assert len(predictions) == 3
    for p in predictions:
        assert p.roofline >= p.predicted > 0
        assert p.likely_cause
    assert predictions[0].batch_solved and predictions[0].batch <= 2048
    summary = summarize(predictions)
    assert summary.count == 3 and 0 <= summary.within_25 <= 1 and len(summary.orderings) == 1


@pytest.mark.parametrize("fmt", ["text", "md", "csv", "json"])
def test_validate_prints_every_format(fmt, capsys):
    assert main(["validate", str(FIXTURES / "tiny.yaml"), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "tiny-70b-h100-tp2-2048-128" in out
    if fmt == "json":
        data = json.loads(out)
        assert data["summary"]["count"] == 3 and data["cases"][2]["measured"] == pytest.approx(381)
        assert data["cases"][0]["tpot_measured"] is None and data["cases"][0]["tpot_predicted"] is None


def test_validate_strict_exits_3_beyond_the_files_thresholds(capsys):
    assert main(["validate", str(FIXTURES / "tiny.yaml"), "--strict"]) == 3
    assert "beyond thresholds" in capsys.readouterr().err


def test_validate_bad_file_exits_2_naming_the_line(capsys):
    assert main(["validate", str(FIXTURES / "bad.yaml")]) == 2
    assert "bad.yaml:15" in capsys.readouterr().err


def test_validate_unknown_assumption_set_exits_2(capsys):
    assert main(["validate", str(FIXTURES / "tiny.yaml"), "--assumptions", "nope"]) == 2
    assert "no such assumption set" in capsys.readouterr().err


def test_validate_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "v.png"
    assert main(["validate", str(FIXTURES / "tiny.yaml"), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_calibrate_recovers_the_efficiencies_that_made_synthetic_measurements(tmp_path):
    pytest.importorskip("scipy")
    from calcgraph.engine.calibrate import FITTED, calibrate
    files = read_validation([FIXTURES / "tiny.yaml"])
    truth = {"hbm_efficiency": 0.75, "mfu": 0.45, "mfu_decode": 0.6, "prefill_overlap": 0.5, "comm_overlap": 0.2,
             "kv_read_efficiency": 0.9, "max_num_seqs": 2048.0, "layer_step_overhead": 2e-5,
             "moe_compute_efficiency": 0.5}
    assert set(truth) == set(FITTED)
    from calcgraph.engine.calibrate import _CaseModel
    from calcgraph.engine.measured import repo_root
    root = repo_root(files[0].path)
    text = (FIXTURES / "tiny.yaml").read_text()
    for case in files[0].cases:
        model = _CaseModel(case, root, root / "presets/assumptions/calibrated.yaml")
        (made,) = model.evaluator(*(truth[n] for n in FITTED))
        text = text.replace(f'"{case.output_throughput:g} token/s"', f'"{made * case.system_chips!r} token/s"')
    path = tmp_path / "synthetic.yaml"
    path.write_text(text)
    fit = calibrate(read_validation([path]), loo=False)
    assert fit.median_abs_error < 0.01
    assert math.isnan(fit.loo_median_abs_error)


def test_calibrate_prints_an_assumption_preset_that_loads(tmp_path, capsys):
    pytest.importorskip("scipy")
    out = tmp_path / "calibrated.yaml"
    assert main(["calibrate", str(FIXTURES / "tiny.yaml"), "--no-loo", "-o", str(out)]) == 0
    text = out.read_text()
    assert "use: [engine.yaml]" in text and "hbm_efficiency_chip" in text and "source:" in text
    from calcgraph.core.spec.yamlload import loads
    assert set(loads(text)["set"]) >= {"hbm_efficiency", "mfu", "mfu_decode", "prefill_overlap", "comm_overlap",
                                       "kv_read_efficiency", "max_num_seqs", "layer_step_overhead"}
    assert main(["check", str(ROOT / "presets/assumptions/calibrated.yaml")]) == 0


def test_calibrate_update_chips_writes_the_chip_presets_and_the_assumption_file(tmp_path):
    pytest.importorskip("scipy")
    import shutil
    for folder in ("formulas", "presets"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "validation").mkdir()
    shutil.copy(FIXTURES / "tiny.yaml", tmp_path / "validation" / "tiny.yaml")
    out = tmp_path / "presets/assumptions/calibrated.yaml"
    assert main(["calibrate", str(tmp_path / "validation/tiny.yaml"), "--no-loo", "--update-chips",
                 "-o", str(out)]) == 0
    assert out.read_text().startswith('title: "Assumption set: the engine, calibrated')
    h100 = (tmp_path / "presets/chips/h100.yaml").read_text()
    assert h100.count("hbm_efficiency_chip:") == 1 and h100.count("compute_efficiency_chip:") == 1
    assert "tiny-8b-h100-128-2048" in h100
    mi300x = "presets/chips/mi300x.yaml"  # no tiny case runs on it: its preset is left as it was
    assert (tmp_path / mi300x).read_text() == (ROOT / mi300x).read_text()
    assert main(["check", str(tmp_path / "presets/chips/h100.yaml"), str(out)]) == 0


def test_chip_line_replaces_or_appends_the_fitted_factor():
    from calcgraph.render.calibrated import with_chip_line
    text = "title: x\nset:\n  a: 1\n  b: 2\ndoc: y\n"
    once = with_chip_line(text, "  hbm_efficiency_chip: {value: 0.9}")
    assert once == "title: x\nset:\n  a: 1\n  b: 2\n  hbm_efficiency_chip: {value: 0.9}\ndoc: y\n"
    assert with_chip_line(once, "  hbm_efficiency_chip: {value: 0.8}").count("hbm_efficiency_chip") == 1


def test_chip_line_goes_in_the_set_block_whatever_its_comments_and_replaces_a_block_entry_whole():
    from calcgraph.errors import InputFileError
    from calcgraph.render.calibrated import with_chip_line
    line = "  hbm_efficiency_chip: {value: 0.8}"
    text = "title: x\ndoc: >\n  hbm_efficiency_chip: prose\nset:  # the chip\n  hbm_efficiency_chip:\n    value: 0.9\n"
    assert with_chip_line(text, line) == text.split("  hbm_efficiency_chip:\n")[0] + line + "\n"
    with pytest.raises(InputFileError, match="set:"):
        with_chip_line("title: x\nset: {a: 1}\n", line, "presets/chips/x.yaml")


def test_validate_names_its_files_relative_to_the_working_directory(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["validate", str(FIXTURES / "tiny.yaml"), "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert rows and all(row.split(",")[1] == "tests/fixtures/validation/tiny.yaml" for row in rows)


def test_validate_names_the_case_whose_evaluation_fails(tmp_path, capsys):
    text = (FIXTURES / "tiny.yaml").read_text().replace("prefill_len: 128\n", "prefill_len: 100000\n", 1)
    path = tmp_path / "tiny.yaml"
    path.write_text(text.replace("batch: null", "batch: 100000", 1).replace("chip: h100", "chip: l40s", 1))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:9: case tiny-8b-h100-128-2048: formulas/" in err and "is not finite" in err, err


def test_calibrated_yaml_loads_whatever_the_validation_files_are_called():
    from calcgraph.core.spec.yamlload import loads
    from calcgraph.engine.calibrate import FITTED, Fit
    from calcgraph.render.calibrated import calibrated_yaml
    name = 'my "best" \\ cases.yaml'
    fit = Fit(shared={n: start for n, (start, _, _) in FITTED.items()},
              chip_factors={"h100": {"hbm_efficiency_chip": 1.0, "compute_efficiency_chip": 1.0}},
              precision_factors={"fp4": 1.0}, chip_cases={"h100": ("a",)}, case_ids=("a",), files=(name,),
              median_abs_error=0.1, within_25=1.0, loo_median_abs_error=math.nan)
    entry = loads(calibrated_yaml(fit))["set"]["mfu"]
    assert name in entry["source"] and "compute_efficiency_chip" in entry["formula"]
