"""The metric catalogue and the fold that credits ledger activity to reps: one implementation, used by
every service that computes a figure."""
