"""Benchmarks. `python -m deploy.bench.ingest` measures webhook ingest against two baselines."""
