"""goal_service: signed CRM webhooks and bulk import into the activity ledger, and the ledger's log."""
