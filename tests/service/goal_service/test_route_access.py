"""Every goal_service route, from its OpenAPI document, against every role: none answers without a token (the
webhooks answer 401 for a missing signature), and each role is refused with 403 exactly where the route's
rule below says, so a new route without a rule here fails the suite. Within a role, scope decides (404 or
403 naming the scope): test_scope.py walks that for a rep."""

from __future__ import annotations

import httpx
import pytest

from tests.scenarios.crm_sources import JIANDAOYUN, write_source
from tests.support import auth

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # roles are checked before storage

OPEN = {("GET", "/health"), ("GET", "/ready")}
ROLES = {
    "rep": "t-rep",
    "manager": "t-manager",
    "hr": "t-hr",
    "auditor": "t-auditor",
    "service": "t-service",
    "admin": "t-admin",
    "committee": "t-wang",
}
EVERYONE = frozenset(ROLES)
EDITOR = frozenset({"hr", "admin"})
OVERSEER = frozenset({"hr", "auditor", "admin"})
LEDGER_READER = frozenset({"service", "auditor", "admin"})
SIGNED = frozenset()  # a signature, not a token, admits: every token alone is refused (401)
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
    ("GET", "/v1/ledger/checkpoints"): LEDGER_READER,
    ("GET", "/v1/ledger/consistency"): LEDGER_READER,
    ("GET", "/v1/ledger/events"): LEDGER_READER,
    ("GET", "/v1/ledger/head"): LEDGER_READER,
    ("POST", "/v1/ledger/inclusion-proofs"): LEDGER_READER,
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
    ("GET", "/v1/projections"): LEDGER_READER,
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


def status_of(goal: httpx.Client, method: str, path: str, media: str, headers: dict[str, str]) -> int:
    body = b"{}" if method in ("POST", "PUT") else None
    return goal.request(method, path, content=body, headers={"content-type": media, **headers}).status_code


def test_every_route_has_a_rule_and_each_role_is_refused_exactly_where_it_says(goal, goal_settings):
    write_source(goal_settings.crm_sources, "jdy", JIANDAOYUN)  # a CRM's deliveries are admitted by its signature
    routes = [
        (method.upper(), path)
        for path, operations in goal.get("/openapi.json").json()["paths"].items()
        for method in operations
        if (method.upper(), path) not in OPEN
    ]
    assert sorted(set(routes) - set(RULES)) == [], "a route without a rule here"
    assert sorted(set(RULES) - set(routes)) == [], "a rule for a route that is gone"
    misjudged = []
    for method, template in routes:
        path = template
        for placeholder, value in SAMPLE.items():
            path = path.replace(placeholder, value)
        path += QUERY.get(template, "")
        media = MEDIA.get(template, "application/json")
        if status_of(goal, method, path, media, {}) != 401:
            misjudged.append((method, template, "answered without a token"))
        for role, token in ROLES.items():
            status = status_of(goal, method, path, media, auth(token))
            allowed = RULES[(method, template)]
            refused = 401 if allowed is SIGNED else 403
            if (status == refused) != (role not in allowed):
                misjudged.append((method, template, role, status))
    assert misjudged == [], misjudged
