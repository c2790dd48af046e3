"""Every alert_service route, from its OpenAPI document, against every role: none answers without a token, and
each role is refused with 403 exactly where the route's rule below says, so a new route without a rule here
fails the suite. Rules are hr's and admin's, warnings are acted on by managers, hr and admin, subscriptions
and deliveries are admin's alone; within a role, scope decides (404 outside it: see test_fortnight.py)."""

from __future__ import annotations

import pytest

from tests.scenarios.access import ADMIN, EDITOR, EVERYONE, LOG_READER, ROLES, misjudged_routes
from tests.support import auth

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # roles are checked before storage

ACTOR = frozenset({"manager", "hr", "admin"})
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
    ("GET", "/v1/projections"): LOG_READER,
    ("POST", "/v1/projections/{name}/skips"): ADMIN,
}
SAMPLE = {
    "{rule_id}": "weekly",
    "{warning_id}": "00000000-0000-0000-0000-000000000000",
    "{subscription_id}": "s",
    "{delivery_id}": "d",
    "{name}": "ledger",
}


def test_every_route_has_a_rule_and_each_role_is_refused_exactly_where_it_says(alert):
    assert misjudged_routes(alert, RULES, SAMPLE) == []
    for token in ROLES.values():  # outside the document, open to every caller, as to a scraper with none
        assert alert.get("/metrics", headers=auth(token)).status_code == 200
