"""Every scenario's report rendered as GitHub renders it, in a real headless Chromium.

benchmarks/render_report_html.py turns the Markdown into HTML with GitHub's
math rules (markdown-it-py + dollarmath), MathJax 3 and mermaid 11 from pinned
npm packages. The page lists its own defects: a `$` left in text (math GitHub
would not typeset), a MathJax error node, a mermaid parse error. Skipped with
a message when the browser, the docs packages or the JavaScript packages are
missing.
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest
from conftest import ROOT, scenario_report

import calcgraph
from calcgraph.render.report.document import render_report

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "models").glob("*.yaml"))
INSTALL = ("`pip install -e '.[test]'` (markdown-it-py, mdit-py-plugins, selenium), Debian's chromium and "
           "chromium-driver, and npm (for mathjax@3.2.2 and mermaid@11.4.1)")


def _renderer():
    spec = importlib.util.spec_from_file_location("render_report_html", ROOT / "benchmarks" / "render_report_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def renderer():
    pytest.importorskip("markdown_it", reason=f"markdown-it-py is not installed: {INSTALL}")
    pytest.importorskip("mdit_py_plugins", reason=f"mdit-py-plugins is not installed: {INSTALL}")
    pytest.importorskip("selenium", reason=f"selenium is not installed: {INSTALL}")
    module = _renderer()
    if shutil.which("chromedriver") is None or not any(shutil.which(n) for n in ("chromium", "google-chrome")):
        pytest.skip(f"no Chromium or chromedriver: {INSTALL}")
    try:
        module.script("mathjax"), module.script("mermaid")
    except (OSError, RuntimeError) as error:
        pytest.skip(f"cannot fetch the pinned JavaScript packages ({error}): {INSTALL}")
    return module


@pytest.fixture(scope="module")
def driver(renderer):
    driver = renderer.browser()
    yield driver
    driver.quit()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_report_renders_on_github_without_a_defect(renderer, driver, path, tmp_path):
    text = scenario_report(path)
    page = tmp_path / f"{path.stem}.html"
    page.write_text(renderer.page(text, path.name), encoding="utf-8")
    assert renderer.rendered(driver, page) == []


def test_the_renderer_reports_a_broken_formula_and_a_broken_diagram(renderer, driver, tmp_path):
    broken = ("# t\n\nCost ($B$) and $x$.\n\n```math\n\\frac{a} \\nosuchcommand\n```\n\n"
              "```mermaid\nflowchart TD\n  a -->\n```\n")
    page = tmp_path / "broken.html"
    page.write_text(renderer.page(broken), encoding="utf-8")
    defects = renderer.rendered(driver, page)
    assert any(d.startswith("MathJax error") for d in defects), defects
    assert any(d.startswith("mermaid") for d in defects), defects
    assert any(d.startswith("raw $") and "($B$)" in d for d in defects), defects  # GitHub's rule, not markdown-it's
    assert not any("$x$" in d for d in defects), defects


def test_the_renderer_reports_display_math_wider_than_the_column(renderer, driver, tmp_path):
    wide = "# t\n\n```math\n" + " + ".join([r"x_{\mathrm{abcdef}}"] * 60) + "\n```\n"
    page = tmp_path / "wide.html"
    page.write_text(renderer.page(wide), encoding="utf-8")
    assert any(d.startswith("display math wider than the column") for d in renderer.rendered(driver, page))


def test_a_long_formula_is_broken_into_lines_that_fit(renderer, driver, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    model = calcgraph.load("scenarios/models/deepseek-v3-h200x8.yaml")
    text = render_report(model.evaluated, only=["attn_params_layer"])
    assert r"&\quad +" in text and r"0_{\text{off}}" in text  # broken, and the GQA term shown once as off
    page = tmp_path / "deepseek.html"
    page.write_text(renderer.page(text, "deepseek"), encoding="utf-8")
    assert renderer.rendered(driver, page) == []
