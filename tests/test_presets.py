"""Presets: every file loads with the serving formulas, shapes give the published
parameter counts, and hardware figures carry the units their sources mean."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import ROOT

import calcgraph
from calcgraph.cli import main
from calcgraph.core.check import check_files
from calcgraph.core.spec.yamlload import load_file

SERVING = ROOT / "formulas" / "serving.yaml"
PRESETS = ROOT / "presets"
ALL_PRESETS = sorted(PRESETS.glob("*/*.yaml"))
CHIPS = sorted((PRESETS / "chips").glob("*.yaml"))
MODELS = sorted((PRESETS / "models").glob("*.yaml"))
GIB = 2**30


def preset(name: str) -> Path:
    """The path of a preset given as 'kind/name', e.g. 'chips/h100'."""
    return PRESETS / f"{name}.yaml"


def scenario(tmp_path: Path, *presets: str | Path) -> Path:
    """A scenario file in tmp_path that uses the serving formulas and the given presets."""
    paths = [SERVING, *(p if isinstance(p, Path) else preset(p) for p in presets)]
    stem = "-".join(Path(p).stem for p in paths[1:]) or "serving"
    path = tmp_path / f"{stem}.yaml"
    path.write_text("use:\n" + "".join(f"  - {p.resolve()}\n" for p in paths))
    return path


def load(tmp_path: Path, *presets: str | Path, **values) -> calcgraph.Model:
    """Load the serving formulas with the given presets (and `set` values)."""
    return calcgraph.load(scenario(tmp_path, *presets), set=values or None)


def test_the_preset_directory_holds_every_preset_of_the_readme():
    names = {f"{p.parent.name}/{p.stem}" for p in ALL_PRESETS}
    assert names >= {
        "models/llama3-8b", "models/llama3-70b", "models/llama3-405b", "models/llama2-13b",
        "chips/tpu-v5e", "chips/tpu-v5p", "chips/tpu-v6e", "chips/h100", "chips/h200", "chips/b200",
        "dtypes/bf16", "dtypes/fp8", "dtypes/int8", "dtypes/int4"}


@pytest.mark.parametrize("path", ALL_PRESETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_preset_passes_check_with_the_serving_formulas(tmp_path, path):
    (result,) = check_files([str(scenario(tmp_path, path))])
    assert result.ok, str(result)
    assert result.pinned == 0


def test_calcgraph_check_accepts_every_preset_combination_at_once(tmp_path, capsys):
    files = [str(scenario(tmp_path, model, chip, "dtypes/bf16")) for model in MODELS for chip in CHIPS]
    assert main(["check", *files]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", ALL_PRESETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_preset_has_a_title_and_a_source(path):
    data = load_file(path)
    assert isinstance(data.get("title"), str) and data["title"]
    assert isinstance(data.get("source"), str) and data["source"]
    assert set(data) <= {"title", "source", "doc", "use", "set"}, "presets are plain set: files"
    builds_on = [["engine.yaml"]] if path.parent.name == "assumptions" else []  # calibrated.yaml is engine.yaml, fitted
    assert data.get("use") in (["../../formulas/serving.yaml"], ["../../formulas/architectures.yaml"], *builds_on)


def test_a_preset_checks_on_its_own(capsys):
    assert main(["check", *map(str, ALL_PRESETS)]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", CHIPS, ids=lambda p: p.stem)
def test_chip_presets_set_every_hardware_figure_and_say_when_there_is_no_price(path):
    data = load_file(path)
    figures = set(data["set"])
    assert figures >= {"flops_per_chip_bf16", "flops_per_chip_int8", "hbm_per_chip",
                       "hbm_bandwidth", "ici_bandwidth"}
    if "price_per_chip_hour" not in figures:
        assert "No price" in data["doc"]
    ici = data["set"]["ici_bandwidth"]
    assert "direction" in ici["note"], "say whether the interconnect figure is one-way or bidirectional"
    assert "note" in data["set"]["hbm_per_chip"], "say whether the sheet's capacity is GB or GiB"


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_model_presets_set_every_shape(path):
    assert set(load_file(path)["set"]) == {"layers", "d_model", "d_ff", "n_heads", "n_kv_heads",
                                           "d_head", "vocab", "tied_embeddings", "n_params",
                                           # every preset states its architecture
                                           "moe_layers", "n_experts", "experts_per_token", "n_shared_experts",
                                           "d_ff_expert", "mla", "kv_lora_rank", "q_lora_rank",
                                           "qk_rope_head_dim", "local_layers", "window", "extra_params",
                                           "max_context"}   # config.json max_position_embeddings


@pytest.mark.parametrize("name, published", [
    ("llama3-8b", 8.03e9),
    ("llama3-70b", 70.55e9),
    ("llama3-405b", 405.9e9),
    ("llama2-13b", 13.0e9),
])
def test_n_params_estimate_is_within_1_percent_of_the_published_count(tmp_path, name, published):
    model = load(tmp_path, f"models/{name}")
    assert model.value("n_params_estimate") == pytest.approx(published, rel=0.01)
    assert model.value("n_params") == pytest.approx(model.value("n_params_estimate"), rel=0.01)


def test_llama3_405b_shapes_give_405_849_243_648_parameters_with_untied_embeddings(tmp_path):
    model = load(tmp_path, "models/llama3-405b")
    assert model.value("n_params_estimate") == 405_849_243_648
    assert model.value("n_params_estimate") - load(tmp_path, "models/llama3-405b", tied_embeddings=1).value(
        "n_params_estimate") == 128256 * 16384


def test_llama2_13b_shapes_give_13_015_449_600_parameters(tmp_path):
    assert load(tmp_path, "models/llama2-13b").value("n_params_estimate") == 13_015_449_600


def test_llama3_70b_keeps_the_chapters_70e9_parameters(tmp_path):
    model = load(tmp_path, "models/llama3-70b")
    assert model.value("n_params") == 70e9
    assert model.value("n_params_estimate") == 70_552_387_584


def test_kv_per_token_llama2_13b_bf16_uses_its_40_kv_heads(tmp_path):
    model = load(tmp_path, "models/llama2-13b", "dtypes/bf16")
    assert model.value("kv_per_token", "B/token") == 2 * 40 * 40 * 128 * 2 == 819_200


def test_kv_per_token_llama3_70b_int8_uses_8_kv_heads_not_64_query_heads(tmp_path):
    model = load(tmp_path, "models/llama3-70b", "dtypes/int8")
    assert model.value("kv_per_token", "B/token") == 2 * 80 * 8 * 128 == 163_840
    assert model.value("kv_per_token", "B/token") != 2 * 80 * 64 * 128


def test_kv_per_token_llama3_405b_bf16_is_504_kib(tmp_path):
    model = load(tmp_path, "models/llama3-405b", "dtypes/bf16")
    assert model.value("kv_per_token", "KiB/token") == 2 * 126 * 8 * 128 * 2 / 1024 == 504


def test_fp8_takes_one_byte_per_weight_and_cached_value_like_int8(tmp_path):
    fp8 = load(tmp_path, "models/llama3-70b", "dtypes/fp8")
    int8 = load(tmp_path, "models/llama3-70b", "dtypes/int8")
    for name in ("weight_bytes", "kv_bytes", "param_bytes", "kv_per_token"):
        assert fp8.value(name) == int8.value(name)


def test_h100_hbm_is_80_gib_not_80_gb(tmp_path):
    hbm = load(tmp_path, "chips/h100").value("hbm_per_chip", "B/chip")
    assert hbm == 80 * GIB == 85_899_345_920
    assert hbm != 80e9
    # nvidia-smi's 81559 MiB usable is within 0.5 % of 80 GiB, 6.9 % above 80e9 B
    assert 81559 * 2**20 == pytest.approx(hbm, rel=0.005)


@pytest.mark.parametrize("chip, hbm_bytes", [
    ("tpu-v5e", 16e9),          # the chapter's 16 GB, decimal
    ("tpu-v5p", 95 * GIB),      # Google's page: 'HBM capacity per chip (GiB) 95'
    ("tpu-v6e", 32e9),          # Google's page: '32 GB'
    ("h200", 141 * GIB),        # MIG 7g.141gb holds 139.75 GiB > 141e9 B
    ("b200", 180 * GIB),        # CUDA reports 178.35 GiB > 180e9 B
])
def test_hbm_per_chip_is_in_the_unit_its_source_means(tmp_path, chip, hbm_bytes):
    assert load(tmp_path, f"chips/{chip}").value("hbm_per_chip", "B/chip") == hbm_bytes


def test_tpu_v5e_keeps_the_chapters_figures(tmp_path):
    v5e = load(tmp_path, "chips/tpu-v5e")
    assert v5e.value("flops_per_chip_bf16", "FLOP/s/chip") == 1.97e14
    assert v5e.value("flops_per_chip_int8", "FLOP/s/chip") == 3.94e14
    assert v5e.value("hbm_per_chip", "GB/chip") == 16
    assert v5e.value("hbm_bandwidth", "B/s/chip") == 8.1e11
    assert v5e.value("ici_bandwidth", "B/s/chip") == 9e10
    assert v5e.value("price_per_chip_hour", "USD/chip/hour") == 1.2


@pytest.mark.parametrize("chip, printed", [
    ("h100", 3.30e17),
    ("tpu-v5p", 3.93e17),
    ("tpu-v5e", 5.91e17),
])
def test_flops_per_dollar_matches_the_chapters_table(tmp_path, chip, printed):
    model = load(tmp_path, "models/llama3-70b", f"chips/{chip}", "dtypes/bf16")
    assert model.value("flops_per_dollar", "FLOP/USD") == pytest.approx(printed, rel=0.005)


def test_gpu_interconnect_is_one_direction_half_the_nvlink_sheet_figure(tmp_path):
    for chip, sheet in (("h100", 900e9), ("h200", 900e9), ("b200", 1.8e12)):
        assert load(tmp_path, f"chips/{chip}").value("ici_bandwidth", "B/s/chip") == sheet / 2


def test_docs_presets_md_lists_every_preset_file():
    text = (ROOT / "docs" / "presets.md").read_text()
    for path in ALL_PRESETS:
        assert f"{path.parent.name}/{path.name}" in text, path


def test_unknown_price_leaves_cost_unknown_instead_of_borrowing_v5e(tmp_path, capsys):
    scenario = tmp_path / "h200.yaml"
    scenario.write_text("title: t\nuse: [" + ", ".join(str(ROOT / p) for p in (
        "formulas/serving.yaml", "presets/models/llama3-70b.yaml", "presets/chips/h200.yaml",
        "presets/dtypes/int8.yaml")) + "]\n")
    model = calcgraph.load(scenario)
    assert math.isnan(model.value("flops_per_dollar")) and math.isnan(model.value("cost_per_million_tokens"))
    assert model.value("t_step", "ms") > 0
    priced = model.set(price_per_chip_hour="4 USD/chip/hour")
    assert priced.value("flops_per_dollar") == pytest.approx(9.9e14 * 3600 / 4)
    assert main(["eval", str(scenario), "--only", "flops_per_dollar"]) == 0
    assert "unknown: needs price_per_chip_hour" in capsys.readouterr().out
