"""calcgraph html in a real headless Chromium: every data-value matches `calcgraph eval --json --set ...`."""

from __future__ import annotations

import json
import math
import shutil

import pytest
from conftest import ROOT, fixture

from calcgraph.core.units import parse_quantity, parse_unit

INSTALL = ("install a browser and its driver: `apt-get install chromium chromium-driver` (Debian) and "
           "`pip install -e '.[test]'` (selenium); .ci/run does both")


def _browser_paths():
    names = ("chromium", "chromium-browser", "google-chrome")
    browser = next((shutil.which(n) for n in names if shutil.which(n)), None)
    driver = shutil.which("chromedriver")
    return browser, driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason=f"selenium is not installed: {INSTALL}")
    from selenium.webdriver.chrome.service import Service
    path, driver_path = _browser_paths()
    if path is None or driver_path is None:
        pytest.skip(f"no Chromium or chromedriver found: {INSTALL}")
    options = webdriver.ChromeOptions()
    options.binary_location = path
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1300,1900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The default scenario's page, written by the command line."""
    from calcgraph.cli import main
    target = tmp_path_factory.mktemp("html") / "page.html"
    assert main(["html", str(ROOT / "scenarios" / "llama3-70b-tpu-v5e.yaml"), "-o", str(target)]) == 0
    return target


def _open(browser, path):
    browser.get(path.as_uri())
    assert browser.execute_script("return document.body.getAttribute('data-ready')") == "1"
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe


def _set(browser, name: str, text: str) -> None:
    """Type ``text`` (a --set value, maybe with a unit) into the input's box, in the box's data-unit."""
    box = browser.find_element("css selector", f'input[data-input="{name}"]')
    number, unit = parse_quantity(text)
    if unit is not None:
        number = number * unit.factor / parse_unit(box.get_attribute("data-unit")).factor
    box.clear()
    box.send_keys(repr(float(number)))


def _page_values(browser) -> dict:
    return browser.execute_script("""
        var out = {};
        document.querySelectorAll('[data-quantity]').forEach(function (e) {
          out[e.getAttribute('data-quantity')] = e.getAttribute('data-value'); });
        return out;""")


def _eval_json(run, sets) -> dict:
    args = ["eval", "--json"]
    for s in sets:
        args += ["--set", s]
    status, out, err = run(*args)
    assert status == 0, err
    return json.loads(out)["values"]


def _assert_matches(shown: dict, expected: dict) -> None:
    assert set(shown) == set(expected)
    wrong = {}
    for name, item in expected.items():
        want, got = item["value"], shown[name]
        if want is None:
            if got != "":
                wrong[name] = (got, want)
        elif got == "" or not math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-300):
            wrong[name] = (got, want)
    assert not wrong, f"the page differs from calcgraph eval: {wrong}"


def _warnings(browser) -> list[str]:
    return [p.text for p in browser.find_elements("css selector", "#warnings [data-warning]")]


POINTS = [
    [],
    ["batch=64"],  # t_step moves; the memory check fails
    ["chips=16"],  # max_batch moves from 43 to 138
    ["seq_len=4096", "batch=80"],  # max_batch 87: fits
    ["hbm_bandwidth=8.2e11 B/s/chip", "hbm_efficiency=0.7"],  # a box in GB/s/chip
    ["kv_replicate=1", "chips=16", "batch=200"],
]


@pytest.mark.parametrize("sets", POINTS, ids=lambda s: " ".join(s) or "default")
def test_every_quantity_in_the_page_matches_calcgraph_eval(browser, page, run, sets):
    _open(browser, page)
    for text in sets:
        name, value = text.split("=", 1)
        _set(browser, name, value)
    _assert_matches(_page_values(browser), _eval_json(run, sets))


def test_moving_batch_to_64_gives_the_t_step_calcgraph_eval_prints(browser, page, run):
    _open(browser, page)
    _set(browser, "batch", "64")
    t_step = browser.find_element("css selector", '[data-quantity="t_step"]')
    assert math.isclose(float(t_step.get_attribute("data-value")),
                        _eval_json(run, ["batch=64"])["t_step"]["value"], rel_tol=1e-12)
    assert t_step.text == "24.059"  # shown in ms, as calcgraph eval shows it


def test_every_input_and_headline_value_is_shown(browser, page):
    import calcgraph
    model = calcgraph.load()
    _open(browser, page)
    boxes = browser.find_elements("css selector", "input[data-input]")
    assert sorted(b.get_attribute("data-input") for b in boxes) == sorted(
        n for n, q in model.graph.quantities.items() if q.is_input)
    for box in boxes:  # every data-unit is a unit calcgraph reads; dimensionless is "1"
        assert box.is_displayed() and parse_unit(box.get_attribute("data-unit")).dim == \
            model.graph[box.get_attribute("data-input")].unit.dim
    for name in model.spec.report:
        cell = browser.find_element("css selector", f'#headline [data-quantity="{name}"]')
        assert cell.is_displayed() and cell.text not in ("", "unknown")


def test_a_failed_memory_check_is_a_warning_that_goes_when_the_batch_fits_again(browser, page):
    _open(browser, page)
    assert _warnings(browser) == []
    _set(browser, "batch", "44")
    (warning,) = _warnings(browser)
    assert "param_bytes + draft_bytes + kv_cache_allocated <= usable_hbm fails" in warning and "128 GB" in warning
    reset = browser.find_element("css selector", 'button[data-reset="batch"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", reset)
    reset.click()  # a real click: nothing may cover the inputs column
    assert _warnings(browser) == []
    assert browser.find_element("css selector", 'input[data-input="batch"]').get_attribute("value") == "32"


def test_the_slider_moves_the_value_in_whole_sequences(browser, page):
    _open(browser, page)
    browser.execute_script("""var s = document.querySelector('[data-slider="batch"]');
        s.value = '700'; s.dispatchEvent(new Event('input'));""")
    batch = float(browser.find_element("css selector", 'input[data-input="batch"]').get_attribute("value"))
    shown = browser.find_element("css selector", '[data-quantity="batch"]').get_attribute("data-value")
    assert batch == int(batch) and float(shown) == batch and batch > 32


def test_a_click_shows_the_derivation_with_values_in_place_and_its_yaml_line(browser, page):
    _open(browser, page)
    browser.find_element("css selector", '[data-quantity="t_step"]').click()
    text = browser.find_element("id", "derivation").text
    assert "t_step = max(t_flops, t_param_load) + t_kv_load + t_comm_exposed    [formulas/roofline.yaml:" in text
    assert "T_step = max(T_f, T_w) + T_kv + T_comm,x" in text
    assert "= max((2.8426 ms), (10.802 ms)) + (6.628 ms) + (0 ms)" in text and "= 17.431 ms" in text
    browser.find_element("css selector", '[data-quantity="max_batch"]').click()
    text = browser.find_element("id", "derivation").text
    assert "at batch = 43:" in text and "(holds)" in text and "at batch = 44:" in text and "(fails)" in text


def test_the_figures_are_redrawn_when_an_input_moves(browser, page):
    _open(browser, page)
    figures = browser.find_elements("css selector", "figure[data-figure]")
    assert [f.get_attribute("data-figure") for f in figures] == ["throughput", "breakdown", "cost"]
    lines = browser.find_elements("css selector", "#figure-throughput polyline")
    assert len(lines) >= 6  # one line per sequence length (solid where it fits, dashed where not)
    before = browser.find_element("id", "figure-breakdown").get_attribute("innerHTML")
    _set(browser, "seq_len", "32768")
    assert browser.find_element("id", "figure-breakdown").get_attribute("innerHTML") != before


def test_text_from_yaml_is_shown_as_text_never_run(browser, tmp_path):
    from calcgraph.cli import main
    target = tmp_path / "untrusted.html"
    assert main(["html", fixture("html_untrusted.yaml"), "-o", str(target)]) == 0
    _open(browser, target)
    literal = "Untrusted </script><script>document.title='pwned'</script> title"
    assert browser.title == literal  # had any of the YAML's scripts run, the title would be 'pwned'
    assert browser.find_element("id", "title").text == literal
    assert browser.find_elements("css selector", "main b, main i, main img") == []
    chips = browser.find_element("css selector", '#all [data-row="chips"] td.name')
    assert chips.get_attribute("title") == "chips </script><b>bold</b>"
