"""Atomic writes: a stale temporary file of any name beside the target never stops a write."""

import pytest

from calcgraph.core.files import write_atomic


@pytest.mark.parametrize("pid", ["99999999999999999999", "\u0663", "\u00b2"])
def test_a_temporary_file_named_with_an_impossible_process_id_is_left_alone(tmp_path, pid):
    odd = tmp_path / f".out.txt.{pid}.abcd.tmp"
    odd.write_text("x")
    write_atomic(tmp_path / "out.txt", "hi")
    assert (tmp_path / "out.txt").read_text() == "hi" and odd.exists()
