"""Every alert_service route asks who is calling: none answers without a token, and a rep changes
nothing: rules are hr's and admin's, warnings are acted on by managers, hr and admin, and subscriptions
and deliveries are admin's alone."""

from __future__ import annotations

from tests.support import auth

OPEN = {"/health", "/ready", "/metrics"}
SAMPLE = {"{rule_id}": "weekly", "{warning_id}": "00000000-0000-0000-0000-000000000000", "{subscription_id}": "s",
          "{delivery_id}": "d"}  # fmt: skip


def routes(alert) -> list[tuple[str, str]]:
    found = []
    for path, operations in alert.get("/openapi.json").json()["paths"].items():
        for placeholder, value in SAMPLE.items():
            path = path.replace(placeholder, value)
        found += [(method.upper(), path) for method in operations if path not in OPEN]
    return found


def test_no_route_answers_without_a_token_and_a_rep_changes_nothing(alert):
    everything = routes(alert)
    assert len(everything) >= 15
    for method, path in everything:
        assert alert.request(method, path, json={}).status_code == 401, (method, path)
    for method, path in everything:
        if method != "GET" or path.startswith(("/v1/subscriptions", "/v1/deliveries", "/v1/projections")):
            assert alert.request(method, path, json={}, headers=auth("t-rep")).status_code == 403, (method, path)
