"""Operational tooling for PerfLedger that is not part of the services: benchmarks."""
