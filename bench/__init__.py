"""Reproducible benchmarks of Township Desk: `python -m bench` prints one line per figure beside its
floor (see bench/__main__.py for the groups and docs/PERFORMANCE.md for measured figures)."""
