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
    ["hbm_per_chip=14118709120 B/chip"],  # rounding edge: total_memory / hbm_per_chip is exactly 8: min_chips 8
    ["kv_block_size=16", "seq_len=8193"],  # rounding edge: 8193 tokens take 513 blocks of 16
    ["prefix_hit_rate=0.7", "prefill_len=90"],
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
    browser.execute_script("document.querySelectorAll('details').forEach(function (d) { d.open = true; })")
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


# ---------------------------------------------------------------- bad input, small screens, keyboard

def _type(browser, name: str, text: str) -> None:
    box = browser.find_element("css selector", f'input[data-input="{name}"]')
    browser.execute_script("arguments[0].scrollIntoView()", box)
    box.click()
    box.clear()
    if text:
        box.send_keys(text)


def _state(browser, name: str) -> tuple[str, str, str]:
    box = browser.find_element("css selector", f'input[data-input="{name}"]')
    message = browser.find_element("id", box.get_attribute("aria-describedby")).text
    stale = browser.find_element("id", "outputs-section").get_attribute("data-stale")
    return box.get_attribute("aria-invalid"), message, stale


def test_batch_minus_8_is_refused_at_the_input_and_the_results_are_held(browser, page):
    _open(browser, page)
    before = _page_values(browser)
    _type(browser, "batch", "-8")
    invalid, message, stale = _state(browser, "batch")
    assert invalid == "true" and stale == "1"
    assert message == "batch = -8 seq is out of its domain: must be >= 1 seq"  # the words of --set batch=-8
    after = _page_values(browser)
    assert after == before  # held at the last valid inputs
    assert all(v == "" or float(v) >= 0 for v in after.values())  # no result negative
    assert "fix batch" in browser.find_element("id", "stale").text
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe


def test_the_cli_refuses_batch_minus_8_with_the_same_words(run):
    status, _, err = run("eval", "--set", "batch=-8")
    assert status == 2 and "batch = -8 is out of its domain: must be >= 1 seq" in err


@pytest.mark.parametrize("text", ["", "abc"], ids=["empty", "text"])
def test_empty_or_text_input_is_marked_and_results_are_stale(browser, page, text):
    _open(browser, page)
    _type(browser, "seq_len", text)
    invalid, message, stale = _state(browser, "seq_len")
    assert invalid == "true" and stale == "1" and message.startswith("seq_len: ")
    assert browser.find_element("css selector", '[data-quantity="t_step"]').get_attribute("data-value") != ""


def test_a_batch_of_1e9_names_the_quantity_that_is_not_finite(browser, page, run):
    _open(browser, page)
    _type(browser, "batch", "1e9")
    invalid, message, stale = _state(browser, "batch")
    assert invalid == "true" and "min_slice_chips not finite" in message and "formulas/memory.yaml:" in message
    status, _, err = run("eval", "--set", "batch=1e9")
    assert status == 2 and "min_slice_chips is not finite" in err


def test_a_valid_value_after_a_bad_one_clears_the_mark_and_updates(browser, page, run):
    _open(browser, page)
    _type(browser, "batch", "-8")
    _type(browser, "batch", "64")
    invalid, message, stale = _state(browser, "batch")
    assert (invalid, message, stale) == ("false", "", "")
    t_step = browser.find_element("css selector", '[data-quantity="t_step"]').get_attribute("data-value")
    assert math.isclose(float(t_step), _eval_json(run, ["batch=64"])["t_step"]["value"], rel_tol=1e-12)


def test_batch_is_among_the_first_ten_inputs(browser, page):
    _open(browser, page)
    names = [b.get_attribute("data-input") for b in browser.find_elements("css selector", "input[data-input]")]
    assert names.index("batch") < 10 and names.index("seq_len") < 10 and names.index("chips") < 10


def test_knobs_of_architectures_the_model_lacks_are_folded_away(browser, page):
    _open(browser, page)
    fold = browser.find_element("id", "idle-inputs")
    folded = {b.get_attribute("data-input") for b in fold.find_elements("css selector", "input[data-input]")}
    assert {"kv_lora_rank", "n_experts", "d_ff_expert"} <= folded  # MLA and MoE knobs of a dense model
    assert not {"batch", "seq_len", "hbm_bandwidth", "kv_bytes"} & folded
    assert fold.get_attribute("open") is None


@pytest.mark.parametrize("width", [360, 390])
def test_no_sideways_overflow_on_a_phone(browser, page, width):
    browser.set_window_size(width, 844)
    try:
        _open(browser, page)
        inner = browser.execute_script("return window.innerWidth")
        assert inner <= width
        assert browser.execute_script("return document.documentElement.scrollWidth") <= inner
    finally:
        browser.set_window_size(1300, 1900)


def _in_view(browser, selector: str) -> bool:
    return browser.execute_script("""
        var r = document.querySelector(arguments[0]).getBoundingClientRect();
        var x = r.left + r.width / 2, y = r.top + r.height / 2;
        var top = document.elementFromPoint(x, y);
        return r.top >= 0 && r.bottom <= window.innerHeight && top !== null
          && (top === document.querySelector(arguments[0]) || document.querySelector(arguments[0]).contains(top));
        """, selector)


@pytest.mark.parametrize("width", [390, 1300])
def test_results_stay_in_view_while_an_input_is_edited(browser, page, width):
    browser.set_window_size(width, 844)
    try:
        _open(browser, page)
        for name in ("batch", "kv_bytes", "hbm_efficiency"):  # near the top, the middle and the end of the inputs
            _type(browser, name, "1" if name != "batch" else "40")
            assert _in_view(browser, f'input[data-input="{name}"]'), name
            assert _in_view(browser, '#headline [data-quantity="t_step"]'), name
    finally:
        browser.set_window_size(1300, 1900)


def test_the_keyboard_reaches_every_derivation_and_opens_it(browser, page):
    from selenium.webdriver.common.keys import Keys
    _open(browser, page)
    openers = browser.find_elements("css selector", "[data-derive], td[data-quantity]")
    assert openers and all(o.get_attribute("tabindex") == "0" or o.tag_name == "button" for o in openers)
    button = browser.find_element("css selector", '#headline [data-derive="t_step"]')
    browser.execute_script("arguments[0].focus()", button)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert "t_step = max(t_flops, t_param_load)" in browser.find_element("id", "derivation").text
    cell = browser.find_element("css selector", '#headline [data-quantity="max_batch"]')
    browser.execute_script("arguments[0].focus()", cell)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert "at batch = 43:" in browser.find_element("id", "derivation").text


def test_tab_reaches_batch_within_the_first_few_stops(browser, page):
    from selenium.webdriver.common.keys import Keys
    _open(browser, page)
    browser.execute_script("window.scrollTo(0, 0); document.activeElement.blur();")
    for _stop in range(1, 12):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element.get_attribute("data-input") == "batch":
            break
    else:
        pytest.fail("batch's box is not among the first 11 Tab stops")


def test_reset_buttons_are_named(browser, page):
    _open(browser, page)
    reset = browser.find_element("css selector", 'button[data-reset="batch"]')
    assert reset.get_attribute("aria-label") == "reset batch to 32 seq"
    labels = [b.get_attribute("aria-label") for b in browser.find_elements("css selector", "button[data-reset]")]
    assert len(set(labels)) == len(labels) and all(label.startswith("reset ") for label in labels)


def test_chart_series_differ_by_marker_shape_not_only_colour(browser, page):
    _open(browser, page)
    shapes = {m.get_attribute("data-marker")
              for m in browser.find_elements("css selector", "#figure-throughput [data-marker]")}
    assert len(shapes) >= 6  # one shape per sequence length
    legend = [s.text[0] for s in browser.find_elements("css selector", "#legend-throughput [data-series]")]
    assert len(set(legend)) == len(legend)  # the legend shows each series' glyph
    patterns = {r.get_attribute("data-pattern")
                for r in browser.find_elements("css selector", "#figure-breakdown [data-pattern]")}
    assert patterns == {"solid", "hatch", "dots"}
