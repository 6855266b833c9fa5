"""Benchmarks run by ``make bench`` (see run.py and docs/benchmarks.md)."""
