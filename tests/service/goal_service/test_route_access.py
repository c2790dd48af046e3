"""Every goal_service route, from its OpenAPI document, against every role: none answers without a token (the
webhooks answer 401 for a missing signature), and each role is refused with 403 exactly where the route's
rule below says, so a new route without a rule here fails the suite. Within a role, scope decides (404 or
403 naming the scope): test_scope.py walks that for a rep."""

from __future__ import annotations

import pytest

from tests.scenarios.access import EDITOR, EVERYONE, LOG_READER, SIGNED, misjudged_routes
from tests.scenarios.crm_sources import JIANDAOYUN, write_source

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # roles are checked before storage

OVERSEER = frozenset({"hr", "auditor", "admin"})
RULES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/v1/calendars/{year}"): EVERYONE,
    ("PUT", "/v1/calendars/{year}"): EDITOR,
    ("POST", "/v1/calendars/{year}/seed"): EDITOR,
    ("GET", "/v1/crm/deliveries/{source}/{delivery_id}"): OVERSEER,
    ("GET", "/v1/crm/entries/{position}"): OVERSEER,
    ("GET", "/v1/crm/quarantine"): OVERSEER,
    ("POST", "/v1/crm/quarantine/{quarantine_id}/dismiss"): EDITOR,
    ("POST", "/v1/crm/quarantine/{quarantine_id}/reprocess"): EDITOR,
    ("GET", "/v1/crm/users/{source}"): OVERSEER,
    ("PUT", "/v1/crm/users/{source}/{crm_user_id}"): EDITOR,
    ("POST", "/v1/crm/{source}/dry-run"): EDITOR,
    ("GET", "/v1/goals"): EVERYONE,
    ("POST", "/v1/goals"): EVERYONE,  # who may set which goal is the organisation's to say (test_scope.py)
    ("GET", "/v1/goals/{goal_id}"): EVERYONE,
    ("POST", "/v1/goals/{goal_id}/agreement"): EVERYONE,
    ("POST", "/v1/goals/{goal_id}/commitments"): EVERYONE,
    ("GET", "/v1/goals/{goal_id}/consistency"): EVERYONE,
    ("POST", "/v1/goals/{goal_id}/decomposition"): EVERYONE,
    ("GET", "/v1/goals/{goal_id}/progress"): EVERYONE,
    ("POST", "/v1/goals/{goal_id}/revisions"): EVERYONE,
    ("GET", "/v1/goals/{goal_id}/versions"): EVERYONE,
    ("POST", "/v1/imports"): frozenset({"service", "admin"}),
    ("GET", "/v1/leaderboards/{metric}"): EVERYONE,
    ("GET", "/v1/ledger/checkpoints"): LOG_READER,
    ("GET", "/v1/ledger/consistency"): LOG_READER,
    ("GET", "/v1/ledger/events"): LOG_READER,
    ("GET", "/v1/ledger/head"): LOG_READER,
    ("POST", "/v1/ledger/inclusion-proofs"): LOG_READER,
    ("POST", "/v1/org/import"): EDITOR,
    ("GET", "/v1/org/reps"): EVERYONE,
    ("POST", "/v1/org/reps"): EDITOR,
    ("GET", "/v1/org/reps/{rep_id}"): EVERYONE,
    ("POST", "/v1/org/reps/{rep_id}/departures"): EDITOR,
    ("POST", "/v1/org/reps/{rep_id}/moves"): EDITOR,
    ("GET", "/v1/org/units"): EVERYONE,
    ("POST", "/v1/org/units"): EDITOR,
    ("POST", "/v1/org/units/{unit_id}/moves"): EDITOR,
    ("POST", "/v1/org/units/{unit_id}/renames"): EDITOR,
    ("GET", "/v1/progress"): EVERYONE,
    ("GET", "/v1/projections"): LOG_READER,
    ("POST", "/v1/projections/{name}/skips"): frozenset({"admin"}),
    ("POST", "/v1/webhooks/crm/{source}"): SIGNED,
    ("POST", "/v1/webhooks/generic"): SIGNED,
}
SAMPLE = {
    "{year}": "2026",
    "{source}": "jdy",
    "{delivery_id}": "d",
    "{position}": "1",
    "{quarantine_id}": "1",
    "{crm_user_id}": "u",
    "{goal_id}": "q4",
    "{metric}": "revenue_won",
    "{rep_id}": "r-1",
    "{unit_id}": "team-a",
    "{name}": "credit",
}
MEDIA = {  # the routes that declare another body than JSON
    "/v1/webhooks/generic": "application/cloudevents+json",
    "/v1/imports": "application/x-ndjson",
    "/v1/org/import": "text/csv",
}
QUERY = {"/v1/leaderboards/{metric}": "?period=2026-Q4", "/v1/progress": "?period=2026-Q4"}


def test_every_route_has_a_rule_and_each_role_is_refused_exactly_where_it_says(goal, goal_settings):
    write_source(goal_settings.crm_sources, "jdy", JIANDAOYUN)  # a CRM's deliveries are admitted by its signature
    assert misjudged_routes(goal, RULES, SAMPLE, query=QUERY, media=MEDIA) == []
