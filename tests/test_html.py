"""calcgraph html: the page's JavaScript computes what `calcgraph eval` computes (run with node)."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import pytest
from conftest import ROOT, fixture

import calcgraph
from calcgraph.core.formula.parse import parse_formula
from calcgraph.render.page.html import engine_script, is_integer_input, page_data, render_page
from calcgraph.render.page.javascript import js_expr
from calcgraph.render.text import eval_json

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node not found: install Node.js (apt-get install nodejs) "
                                                     "to run the page's JavaScript against calcgraph eval")

# (scenario, variant, --set values): default point, max_batch moving, memory check failing, other stacks
CASES = [
    (None, None, []),
    (None, None, ["batch=64"]),
    (None, None, ["chips=16"]),
    (None, None, ["seq_len=4096", "batch=96"]),
    (None, None, ["hbm_efficiency=0.7", "kv_replicate=1", "chips=16"]),
    (None, None, ["hbm_bandwidth=8.2e11 B/s/chip", "weight_bytes=0.5 B"]),
    ("scenarios/dtype-table.yaml", "int4", []),
    ("scenarios/long-context-32k.yaml", None, []),
    ("scenarios/exercise-405b.yaml", None, []),
    (fixture("html_continuous.yaml"), None, []),
    (fixture("html_continuous.yaml"), None, ["chips=32"]),
    (fixture("solve_equation.yaml"), None, []),
    (fixture("solve_node.yaml"), None, ["room=1000 B"]),
    (fixture("ceil_exact.yaml"), None, ["s=33"]),
    (fixture("pinned.yaml"), None, []),
    (fixture("html_unknown_price.yaml"), None, []),  # unknown stays unknown (null)
    (fixture("traffic_contract.yaml"), None, []),  # erlang_c, percentiles and the prefill_pool_needed solve
    (fixture("traffic_contract.yaml"), None, ["request_rate=54 sequence/s"]),  # an unstable pool: its check fails
]


def _load(scenario, variant, sets):
    from calcgraph.core.bind import parse_set_arg
    return calcgraph.load(scenario, variant=variant, sets=[parse_set_arg(s) for s in sets])


def _run_in_node(models) -> list[dict]:
    """Each model's page engine, evaluated at its own inputs by node: values in declared units."""
    parts = ["var results = [];"]
    for model in models:
        parts.append("(function () {\n" + engine_script(model) + """
  var values = Object.create(null);
  CG_DATA.inputs.forEach(function (i) { values[i.name] = i.value === null ? NaN : i.value; });
  var result = cg.evaluate(values), out = {};
  for (var k in result.env) { out[k] = isFinite(result.env[k]) ? result.env[k] / CG_DATA.quantities[k].factor : null; }
  results.push({values: out, problems: result.problems.length, reasons: result.reasons,
                checks: cg.checks(result.env).map(function (c) { return [c.check.text, c.holds]; })});
})();""")
    parts.append("process.stdout.write(JSON.stringify(results));")
    done = subprocess.run([NODE, "-"], input="\n".join(parts), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


@needs_node
def test_page_javascript_computes_what_calcgraph_eval_json_prints(run):
    models, expected = [], []
    for scenario, variant, sets in CASES:
        args = ["eval", *( [scenario] if scenario else []), "--json"]
        args += ["--variant", variant] if variant else []
        for s in sets:
            args += ["--set", s]
        status, out, err = run(*args)
        assert status == 0, err
        expected.append(json.loads(out)["values"])
        models.append(_load(scenario, variant, sets))
    for case, want, got in zip(CASES, expected, _run_in_node(models), strict=True):
        assert set(got["values"]) == set(want)
        wrong = {n: (got["values"][n], v["value"]) for n, v in want.items() if not _close(got["values"][n], v["value"])}
        assert not wrong, f"{case}: page differs from calcgraph eval: {wrong}"
        assert got["problems"] == 0


@needs_node
def test_every_scenario_and_variant_of_the_chapter_computes_the_same_in_the_page():
    models = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        base = calcgraph.load(path)
        models += [base] + [base.with_variant(v) for v in base.spec.variants]
    assert len(models) > 15
    for model, got in zip(models, _run_in_node(models), strict=True):
        want = json.loads(eval_json(model.evaluated))["values"]
        wrong = {n: (got["values"][n], v["value"]) for n, v in want.items() if not _close(got["values"][n], v["value"])}
        assert not wrong, f"{model}: page differs from calcgraph eval: {wrong}"


@needs_node
def test_max_batch_moves_and_the_memory_check_fails_in_the_page():
    default, big_batch, more_chips = _run_in_node([_load(None, None, []), _load(None, None, ["batch=64"]),
                                                  _load(None, None, ["chips=16"])])
    assert default["values"]["max_batch"] == 43 and more_chips["values"]["max_batch"] == 138
    assert ["param_bytes + draft_bytes + kv_cache_allocated <= usable_hbm", True] in default["checks"]
    assert ["param_bytes + draft_bytes + kv_cache_allocated <= usable_hbm", False] in big_batch["checks"]
    assert ["tp_degree <= max(1, tp_limit_ici)", True] in default["checks"]  # the modules' declared checks too


@needs_node
def test_ceil_snaps_to_the_integer_the_decimals_mean_in_javascript():
    model = _load(fixture("ceil_exact.yaml"), None, [])
    (got,) = _run_in_node([model])
    assert (got["values"]["up"], got["values"]["down"], got["values"]["slice"]) == (63, 63, 32)


def test_formulas_print_as_javascript_in_evaluate_py_order():
    node = parse_formula("n_params * weight_bytes / (chips * hbm_bandwidth)").node
    assert js_expr(node) == "((v.n_params*v.weight_bytes)/(v.chips*v.hbm_bandwidth))"
    assert js_expr(parse_formula("ceil(7 * s / 3)").node) == "Math.ceil(cg.snap(((7.0*v.s)/3.0)))"
    assert js_expr(parse_formula("max(a, b) + c").node).count("Math.max(v.a, v.b)") == 1
    assert "cg.ceilTo(v.s, [1.0, 4.0, 8.0])" == js_expr(parse_formula("ceil_to(s, 1, 4, 8)").node)


def test_an_expression_without_javascript_is_refused():
    with pytest.raises(ValueError, match="no JavaScript"):
        js_expr(("call", "bessel", (("name", "x"),), None))


def test_the_same_scenario_gives_the_same_page_bytes(run, tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    assert run("html", "-o", first)[0] == 0
    assert run("html", "-o", second)[0] == 0
    assert first.read_bytes() == second.read_bytes()
    assert 40_000 < first.stat().st_size < 300_000


def test_the_page_needs_no_network():
    page = render_page(calcgraph.load())
    for marker in ("<script src", "<link", "@import", "https://", "fetch(", "XMLHttpRequest"):
        assert marker not in page
    assert not re.search(r"url\((?![\"']?#)", page)  # only references to the page's own patterns: url(#id)
    assert page.count("http://") == page.count("http://www.w3.org/2000/svg")  # the SVG namespace name only


def test_yaml_text_cannot_close_the_script_or_become_markup():
    page = render_page(_load(fixture("html_untrusted.yaml"), None, []))
    assert page.count("</script>") == 1  # the page's own
    assert "<b>bold</b>" not in page and "<img" not in page
    assert "innerHTML" not in page and "insertAdjacentHTML" not in page and "eval(" not in page
    assert "&lt;/script&gt;&lt;script&gt;" in page.split("<title>")[1]  # the title, escaped


def test_every_input_gets_a_control_in_the_unit_shown_next_to_it():
    data = page_data(calcgraph.load())
    inputs = {i["name"]: i for i in data["inputs"]}
    assert set(inputs) == {n for n, q in calcgraph.load().graph.quantities.items() if q.is_input}
    assert inputs["hbm_bandwidth"]["unit"] == ["GB/s/chip", 1e9]
    assert inputs["batch"]["integer"] and inputs["chips"]["integer"] and inputs["layers"]["integer"]
    assert not inputs["hbm_efficiency"]["integer"] and not inputs["mfu"]["integer"]
    assert inputs["batch"]["log"] and inputs["batch"]["min"] == 1 and inputs["batch"]["max"] == 1024
    assert (inputs["mfu"]["min"], inputs["mfu"]["max"], inputs["mfu"]["log"]) == (0.0, 1.0, False)


def test_a_declared_integer_flag_wins_over_the_guess():
    quantity = calcgraph.load().graph["hbm_efficiency"]

    class Declared:
        integer = True
        unit = quantity.unit
    assert not is_integer_input(quantity, 1.0) and is_integer_input(Declared, 0.5)


def test_the_chapter_figures_are_drawn_for_the_default_scenario():
    figures = {f["id"]: f for f in page_data(calcgraph.load())["figures"]}
    assert set(figures) == {"throughput", "breakdown", "cost"}
    assert figures["throughput"]["lines"] == [1024, 2048, 4096, 8192, 16384, 32768]


def test_a_page_for_a_bad_scenario_is_one_message_and_no_file(run, tmp_path):
    target = tmp_path / "page.html"
    status, out, err = run("html", fixture("unknown_name.yaml"), "-o", target)
    assert status == 2 and "Traceback" not in err and not target.exists()


@needs_node
def test_the_page_says_why_a_solve_node_has_no_answer_as_eval_does():
    model = _load(fixture("solve_not_monotone.yaml"), None, [])
    (got,) = _run_in_node([model])
    assert got["values"]["top"] is None and got["values"]["after"] is None
    assert got["reasons"] == dict(model.evaluated.reasons) == {"top": "bump <= 4 is not monotone in x"}
