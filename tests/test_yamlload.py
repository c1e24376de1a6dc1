import pytest

from calcgraph.core.spec.yamlload import loads
from calcgraph.errors import YamlError


def test_exponent_numbers_are_floats_not_strings():
    assert loads("a: 1e9")["a"] == 1e9


def test_yes_no_stay_strings():
    assert loads("a: no\nb: yes")["a"] == "no"


def test_lines_are_remembered():
    data = loads("x: 1\nblock:\n  inner: 2\n", "f.yaml")
    assert str(data.where("block")) == "f.yaml:2"
    assert str(data["block"].where("inner")) == "f.yaml:3"


@pytest.mark.parametrize("text, words", [
    ("a: 1\na: 2", "duplicate key 'a'"),
    ("a: &x 1\nb: *x", "aliases"),
    ("a: !!python/object/apply:os.system [ls]", "tag"),
    ("base: &b {x: 1}\nc:\n  <<: *b", "aliases"),
    ("c:\n  <<: {x: 1}\n  y: 2", "merge keys"),
    ("a: .inf", "non-finite"),
    ("a: [1,", "syntax"),
])
def test_refused_yaml(text, words):
    with pytest.raises(YamlError, match=words):
        loads(text, "f.yaml")


def test_huge_text_is_refused_before_parsing():
    with pytest.raises(YamlError, match="larger than"):
        loads("a: 1\n" * 300_000)


def test_deep_nesting_is_refused():
    with pytest.raises(YamlError):
        loads("a: " + "[" * 200 + "]" * 200)


def test_the_c_composer_reads_every_shipped_file_as_the_pure_python_one(monkeypatch):
    from pathlib import Path

    from calcgraph.core.spec import yamlload
    root = Path(__file__).resolve().parent.parent
    files = sorted(root.glob("formulas/*.yaml")) + sorted(root.glob("scenarios/*.yaml"))
    fast = [yamlload.loads(f.read_text(), str(f)) for f in files]
    monkeypatch.setattr(yamlload, "_C_LOADER", None)
    slow = [yamlload.loads(f.read_text(), str(f)) for f in files]
    assert fast == slow
    assert [d.key_lines for d in fast] == [d.key_lines for d in slow]


def test_a_file_is_parsed_once_until_it_changes(tmp_path):
    import os

    from calcgraph.core.spec.yamlload import load_file
    path = tmp_path / "m.yaml"
    path.write_text("a: 1\n")
    first = load_file(path)
    assert load_file(path) is first
    path.write_text("a: 22\n")
    os.utime(path, ns=(1, 1))
    assert load_file(path) == {"a": 22}


def test_an_integer_of_5000_digits_is_a_clean_error_naming_its_line(run, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("title: t\ndoc: d\nquantities:\n  x: {unit: '1', doc: d, value: " + "9" * 5000 + "}\n")
    status, out, err = run("eval", path)
    assert status == 2 and "Traceback" not in err
    assert f"{path}:4: number out of range: an integer of 5,000 digits" in err and len(err) < 400


@pytest.mark.parametrize("tolerance", ["true", "-0.1", "'5 %'"])
def test_an_expect_tolerance_that_is_not_a_non_negative_number_is_refused(tmp_path, tolerance):
    from calcgraph.core.spec.load import load_spec
    path = tmp_path / "tol.yaml"
    path.write_text(f"title: t\nquantities:\n  x: {{unit: '1', doc: d, value: 1}}\n"
                    f"expect:\n  x: {{printed: 1, tolerance: {tolerance}}}\n")
    with pytest.raises(YamlError, match="tol.yaml:5: expect of 'x': tolerance must be a non-negative number"):
        load_spec(path)


@pytest.mark.parametrize("key", ["title", "doc", "source", "assumes"])
def test_a_file_title_doc_source_or_assumes_that_is_not_text_is_refused(tmp_path, key):
    from calcgraph.core.spec.load import load_spec
    path = tmp_path / "t.yaml"
    path.write_text(f"quantities:\n  x: {{unit: '1', doc: d, value: 1}}\n{key}: [1, 2]\n")
    with pytest.raises(YamlError, match=f"t.yaml:3: {key}: must be text"):
        load_spec(path)  # not printed as the Python list "[1, 2]"
