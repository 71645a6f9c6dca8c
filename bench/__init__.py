"""Benchmarks: each script prints its figures (see the README)."""
