"""pytest, for the doctests of the package: a module whose examples need an optional library is skipped
where that library is not installed (its tests in tests/ say so themselves)."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("polars") else ["calcgraph/render/sweep/polars_csv.py"]
