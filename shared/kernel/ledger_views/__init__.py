"""What every service keeps of the ledger it follows, in its own read model: each activity's credited
contributions, the rule entries (organisation, calendars, goals) and the folds over them. goal_service
projects its own ledger into them; scoring_service and alert_service project the same ledger followed
over HTTP, so all three count with one implementation and none reads another's tables."""
