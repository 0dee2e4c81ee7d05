"""The benchmark: ``bash scripts/benchmark.sh`` (see README.md, section Benchmark)."""
