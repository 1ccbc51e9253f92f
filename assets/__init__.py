"""Dagster assets, a module per stage of the benefit cycle. Thin: the rules live in `boligstoette`."""
