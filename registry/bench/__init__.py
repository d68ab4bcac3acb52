"""Scale benchmarks, run by hand (`python -m registry.bench.<name>`); never timed in tests."""
