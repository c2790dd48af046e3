"""goal_service's HTTP routes, one module per resource."""
