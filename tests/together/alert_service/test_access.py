"""Every alert_service route, from its OpenAPI document, against every role: none answers without a token, and
each role is refused with 403 exactly where the route's rule below says, so a new route without a rule here
fails the suite. Rules are hr's and admin's, warnings are acted on by managers, hr and admin, subscriptions
and deliveries are admin's alone; within a role, scope decides (404 outside it: see test_fortnight.py)."""

from __future__ import annotations

import httpx
import pytest

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
ACTOR = frozenset({"manager", "hr", "admin"})
ADMIN = frozenset({"admin"})
RULES: dict[tuple[str, str], frozenset[str]] = {
    ("PUT", "/v1/warning-rules/{rule_id}"): EDITOR,
    ("GET", "/v1/warning-rules/{rule_id}"): EVERYONE,
    ("GET", "/v1/warning-rules"): EVERYONE,
    ("PUT", "/v1/subscriptions/{subscription_id}"): ADMIN,
    ("GET", "/v1/subscriptions"): ADMIN,
    ("GET", "/v1/subscriptions/{subscription_id}"): ADMIN,
    ("DELETE", "/v1/subscriptions/{subscription_id}"): ADMIN,
    ("GET", "/v1/deliveries"): ADMIN,
    ("GET", "/v1/deliveries/{delivery_id}"): ADMIN,
    ("POST", "/v1/deliveries/{delivery_id}/redeliver"): ADMIN,
    ("GET", "/v1/warnings"): EVERYONE,
    ("GET", "/v1/warnings/feed"): EVERYONE,
    ("GET", "/v1/warnings/{warning_id}"): EVERYONE,
    ("POST", "/v1/warnings/{warning_id}/acknowledge"): ACTOR,
    ("POST", "/v1/warnings/{warning_id}/action"): ACTOR,
    ("POST", "/v1/warnings/{warning_id}/resolve"): ACTOR,
    ("GET", "/v1/business-clock"): EVERYONE,
    ("GET", "/v1/projections"): frozenset({"service", "auditor", "admin"}),
    ("POST", "/v1/projections/{name}/skips"): ADMIN,
    ("GET", "/metrics"): EVERYONE,
}
SAMPLE = {
    "{rule_id}": "weekly",
    "{warning_id}": "00000000-0000-0000-0000-000000000000",
    "{subscription_id}": "s",
    "{delivery_id}": "d",
    "{name}": "ledger",
}


def status_of(alert: httpx.Client, method: str, path: str, headers: dict[str, str]) -> int:
    if path.endswith("/feed"):  # a live stream: its answer's status, then closed
        with alert.stream(method, path, headers=headers) as answer:
            return answer.status_code
    return alert.request(method, path, json={} if method in ("POST", "PUT") else None, headers=headers).status_code


def test_every_route_has_a_rule_and_each_role_is_refused_exactly_where_it_says(alert):
    routes = [
        (method.upper(), path)
        for path, operations in alert.get("/openapi.json").json()["paths"].items()
        for method in operations
        if (method.upper(), path) not in OPEN
    ]
    assert sorted(set(routes) - set(RULES)) == [], "a route without a rule here"
    assert sorted(set(RULES) - set(routes) - {("GET", "/metrics")}) == [], "a rule for a route that is gone"
    misjudged = []
    for method, template in [*routes, ("GET", "/metrics")]:
        path = template
        for placeholder, value in SAMPLE.items():
            path = path.replace(placeholder, value)
        if template != "/metrics" and status_of(alert, method, path, {}) != 401:
            misjudged.append((method, template, "answered without a token"))
        for role, token in ROLES.items():
            status = status_of(alert, method, path, auth(token))
            if (status == 403) != (role not in RULES[(method, template)]):
                misjudged.append((method, template, role, status))
    assert misjudged == []
