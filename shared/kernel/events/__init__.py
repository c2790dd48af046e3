"""CloudEvents envelope and PerfLedger's versioned activity data schemas."""
