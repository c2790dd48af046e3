"""What every PerfLedger service uses and no service's business rules: event envelope and schemas,
canonical JSON and hashing, money, settings, auth, problem details, logging, and the log client."""
