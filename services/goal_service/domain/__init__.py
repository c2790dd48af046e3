"""goal_service's domain: pure rules and eventsourcing aggregates, no I/O."""
