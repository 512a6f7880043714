"""Benchmarks: `python -m bench.analytics` (make bench-analytics)."""
