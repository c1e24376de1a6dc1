"""Evaluated scenarios as text: tables, JSON, derivations, reports, diagrams, plots."""
