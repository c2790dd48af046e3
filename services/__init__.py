"""The three PerfLedger services, each its own FastAPI application, process and database."""
