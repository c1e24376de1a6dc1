"""What is computed from a bound scenario: evaluated states, solves, grids, best candidates, closed forms."""
