"""The one solver: the specification (``problem``), scalar solves (``scalar``), solve nodes (``nodes``),
grids (``grid``), ``solve_for`` (``inverse``) and closed forms of the answers (``closed_form``)."""
