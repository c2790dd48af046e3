"""The shared kernel: what every follower of the ledger must compute identically. Event schemas, the metric
catalogue and crediting fold, the organisation, calendar and goal folds, periods and working days, money
and its rounding, rule versions, who may see whose figures, and the ledger views every follower keeps."""
