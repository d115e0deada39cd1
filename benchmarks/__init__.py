"""Speed measurements, run with ``python -m benchmarks [NAME...]``; results in RESULTS.md."""
