"""Fuzzed YAML documents and scenario files: each loads or is refused with a CalcgraphError, without hanging."""

from __future__ import annotations

import yaml
from fuzz_settings import FUZZ
from hypothesis import given
from hypothesis import strategies as st

import calcgraph
from calcgraph.core.spec.yamlload import loads
from calcgraph.errors import CalcgraphError

KEYS = st.sampled_from(["title", "doc", "use", "quantities", "set", "report", "variants", "expect", "unit",
                        "value", "formula", "symbol", "solve", "for", "where", "bounds", "integer", "printed",
                        "exact", "x", "y", "batch", "unitconst0", "<<", "ｘ"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**400, 10**400), st.floats(allow_nan=False),
                    st.sampled_from(["1 B", "B/0", "2 * x", "x + y", "ceil(exp(exp(20)))", "16 GB/chip", "ms",
                                     "1", "unknown", "/dev/zero", "x <= 5 B", "1if x else 2"]),
                    st.text(max_size=20))
DATA = st.recursive(SCALARS, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(KEYS, c, max_size=5)),
                    max_leaves=25)


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@FUZZ
@given(DATA)
def test_any_yaml_document_is_data_or_a_calcgraph_error(data):
    try:
        loads(_dump(data))
    except CalcgraphError:
        pass


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("ab:- \n[]{}'\"!&*#|>%@`,?1e.~")), max_size=200))
def test_any_text_is_yaml_data_or_a_calcgraph_error(text):
    try:
        loads(text)
    except CalcgraphError:
        pass


QUANTITY = st.fixed_dictionaries({"unit": st.sampled_from(["B", "1", "s", "ms", "GB/chip", "chip", "B/0", "x"]),
                                  "doc": st.just("d")},
                                 optional={"value": SCALARS, "formula": SCALARS, "symbol": SCALARS,
                                           "solve": DATA})
SCENARIO = st.fixed_dictionaries({}, optional={
    "quantities": st.dictionaries(st.sampled_from(["x", "y", "z", "batch"]), QUANTITY, max_size=3),
    "set": st.dictionaries(st.sampled_from(["x", "y", "w"]), DATA, max_size=3),
    "expect": st.dictionaries(st.sampled_from(["x", "y"]), DATA, max_size=2),
    "report": DATA, "use": DATA})


@FUZZ
@given(SCENARIO)
def test_any_scenario_file_loads_or_is_a_calcgraph_error(tmp_path_factory, scenario):
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(_dump(scenario))
    try:
        model = calcgraph.load(str(path))
        for name in model.names():
            model.value(name)
    except CalcgraphError:
        pass
