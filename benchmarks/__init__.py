"""Benchmarks: scripts that print figures and ratios (never pass/fail on time)."""
