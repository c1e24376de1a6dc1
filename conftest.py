"""pytest, for the doctests of the package: a module whose examples need an optional library is skipped
where that library is not installed (its tests in tests/ say so themselves)."""

collect_ignore: list[str] = []
