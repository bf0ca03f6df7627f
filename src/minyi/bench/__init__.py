"""Benchmarks run against a live server: `minyi bench ...`."""
