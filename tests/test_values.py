"""render/values.py: the shared pieces of every output."""

from __future__ import annotations

import os

from calcgraph.errors import Location
from calcgraph.render.values import place


def test_a_file_on_another_drive_is_shown_absolute(monkeypatch):
    def other_drive(path, start=os.curdir):  # what ntpath.relpath does for D:\x seen from C:\
        raise ValueError("path is on mount 'D:', start on mount 'C:'")
    monkeypatch.setattr(os.path, "relpath", other_drive)
    assert place(Location("/data/formulas/model.yaml", 5)) == "/data/formulas/model.yaml:5"
