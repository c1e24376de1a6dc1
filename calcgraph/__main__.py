"""``python -m calcgraph`` runs the command line."""

from calcgraph.cli import run

raise SystemExit(run())
