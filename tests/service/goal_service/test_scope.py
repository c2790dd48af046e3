"""Scope, route by route: rep r-1 (team-a) never reads rep r-2's (team-b) data, whatever the route. Every
route goal_service serves is listed here, so a new route without a scope case fails this test."""

from __future__ import annotations

from tests.support import auth

REP_A = auth("t-rep")  # r-1


def ids(items: list[dict], key: str) -> set[str]:
    return {item[key] for item in items}


READS = {
    "/v1/goals/{goal_id}": lambda c: c.get("/v1/goals/r-2", headers=REP_A).status_code == 404,
    "/v1/goals/{goal_id}/versions": lambda c: c.get("/v1/goals/r-2/versions", headers=REP_A).status_code == 404,
    "/v1/goals/{goal_id}/consistency": lambda c: c.get("/v1/goals/east/consistency", headers=REP_A).status_code == 404,
    "/v1/goals/{goal_id}/progress": lambda c: c.get("/v1/goals/r-2/progress", headers=REP_A).status_code == 404,
    "/v1/goals": lambda c: ids(c.get("/v1/goals", headers=REP_A).json()["goals"], "goal_id") == {"r-1"},
    "/v1/progress": lambda c: ids(c.get("/v1/progress", headers=REP_A).json()["progress"], "goal_id") == {"r-1"},
    "/v1/leaderboards/{metric}": lambda c: (
        ids(
            c.get(
                "/v1/leaderboards/revenue_won", params={"period": "2026-Q4", "as_of": "2026-10-31"}, headers=REP_A
            ).json()["ranking"],
            "rep_id",
        )
        == {"r-1"}
    ),
    "/v1/org/reps/{rep_id}": lambda c: c.get("/v1/org/reps/r-2", headers=REP_A).status_code == 404,
    "/v1/org/reps": lambda c: (
        ids(c.get("/v1/org/reps", params={"as_of": "2026-10-31"}, headers=REP_A).json()["reps"], "rep_id") == {"r-1"}
    ),
    "/v1/org/units": lambda c: (
        ids(c.get("/v1/org/units", params={"as_of": "2026-10-31"}, headers=REP_A).json()["units"], "unit_id")
        == {"team-a"}
    ),
    "/v1/ledger/events": lambda c: c.get("/v1/ledger/events", headers=REP_A).status_code == 403,
    "/v1/ledger/head": lambda c: c.get("/v1/ledger/head", headers=REP_A).status_code == 403,
    "/v1/ledger/checkpoints": lambda c: c.get("/v1/ledger/checkpoints", headers=REP_A).status_code == 403,
    "/v1/ledger/consistency": lambda c: c.get("/v1/ledger/consistency?from=0", headers=REP_A).status_code == 403,
    "/v1/projections": lambda c: c.get("/v1/projections", headers=REP_A).status_code == 403,
    # The calendar is the company's, not anyone's own: every role reads it.
    "/v1/calendars/{year}": lambda c: c.get("/v1/calendars/2026", headers=REP_A).status_code == 200,
    # CRM deliveries, their quarantine and CRM users are for HR, auditors and admins.
    "/v1/crm/quarantine": lambda c: c.get("/v1/crm/quarantine", headers=REP_A).status_code == 403,
    "/v1/crm/users/{source}": lambda c: c.get("/v1/crm/users/jdy", headers=REP_A).status_code == 403,
    "/v1/crm/entries/{position}": lambda c: c.get("/v1/crm/entries/1", headers=REP_A).status_code == 403,
    "/v1/crm/deliveries/{source}/{delivery_id}": lambda c: (
        c.get("/v1/crm/deliveries/jdy/d-1", headers=REP_A).status_code == 403
    ),
}

WRITES = {
    "/v1/goals": lambda c: (
        c.post(
            "/v1/goals",
            json={
                "metric": "visits",
                "owner": {"kind": "rep", "id": "r-2"},
                "period": "2026-Q4",
                "target": "1",
                "description": "x",
            },
            headers=REP_A,
        ).status_code
        == 403
    ),
    "/v1/goals/{goal_id}/revisions": lambda c: (
        c.post("/v1/goals/r-2/revisions", json={"target": "1", "reason": "x"}, headers=REP_A).status_code == 404
    ),
    "/v1/goals/{goal_id}/commitments": lambda c: (
        c.post("/v1/goals/r-2/commitments", json={"value": "1"}, headers=REP_A).status_code == 404
    ),
    "/v1/goals/{goal_id}/agreement": lambda c: (
        c.post("/v1/goals/r-1/agreement", json={"reason": "x", "target": "1"}, headers=REP_A).status_code == 403
    ),
    "/v1/goals/{goal_id}/decomposition": lambda c: (
        c.post(
            "/v1/goals/r-1/decomposition",
            json={"method": "even", "children": [{"owner": {"kind": "rep", "id": "r-1"}}]},
            headers=REP_A,
        ).status_code
        == 403
    ),
    "/v1/imports": lambda c: c.post("/v1/imports", content=b"", headers=REP_A).status_code == 403,
    "/v1/ledger/inclusion-proofs": lambda c: (
        c.post("/v1/ledger/inclusion-proofs", json={"positions": [1]}, headers=REP_A).status_code == 403
    ),
    "/v1/org/import": lambda c: c.post("/v1/org/import", content=b"", headers=REP_A).status_code == 403,
    "/v1/calendars/{year}": lambda c: c.put("/v1/calendars/2027", json={}, headers=REP_A).status_code == 403,
    "/v1/calendars/{year}/seed": lambda c: c.post("/v1/calendars/2026/seed", headers=REP_A).status_code == 403,
    # Signed by the CRM's secret, not by a token: see test_webhooks.
    "/v1/webhooks/generic": lambda c: (
        c.post(
            "/v1/webhooks/generic", content=b"{}", headers={"content-type": "application/cloudevents+json", **REP_A}
        ).status_code
        == 401  # a token is no signature
    ),
    "/v1/webhooks/crm/{source}": lambda c: (
        c.post("/v1/webhooks/crm/jdy", content=b"{}", headers=REP_A).status_code == 404
    ),  # no such source here; see test_crm_adapters for signatures
    "/v1/crm/{source}/dry-run": lambda c: c.post("/v1/crm/jdy/dry-run", json={}, headers=REP_A).status_code == 403,
    "/v1/crm/quarantine/{quarantine_id}/reprocess": lambda c: (
        c.post("/v1/crm/quarantine/1/reprocess", headers=REP_A).status_code == 403
    ),
    "/v1/crm/quarantine/{quarantine_id}/dismiss": lambda c: (
        c.post("/v1/crm/quarantine/1/dismiss", json={"reason": "mine"}, headers=REP_A).status_code == 403
    ),
    "/v1/crm/users/{source}/{crm_user_id}": lambda c: (
        c.put("/v1/crm/users/jdy/u", json={"rep_id": "r-1"}, headers=REP_A).status_code == 403
    ),
    "/v1/projections/{name}/skips": lambda c: (
        c.post("/v1/projections/credit/skips", json={"position": 1, "reason": "x"}, headers=REP_A).status_code == 403
    ),
}
WRITES |= {
    f"/v1/org/{path}": (
        lambda c, p=path: (
            c.post(
                f"/v1/org/{p.replace('{unit_id}', 'team-b').replace('{rep_id}', 'r-2')}", json={}, headers=REP_A
            ).status_code
            == 403
        )
    )
    for path in (
        "units",
        "units/{unit_id}/renames",
        "units/{unit_id}/moves",
        "reps",
        "reps/{rep_id}/moves",
        "reps/{rep_id}/departures",
    )
}
OPERATIONS = {"/health", "/ready"}


def test_every_route_has_a_scope_case(goal):
    paths = goal.get("/openapi.json").json()["paths"]
    gets = {p for p, ops in paths.items() if "get" in ops} - OPERATIONS
    changes = {p for p, ops in paths.items() if {"post", "put"} & set(ops)}
    assert gets == set(READS), gets ^ set(READS)
    assert changes == set(WRITES), changes ^ set(WRITES)


# Every route against one company: a refused write changes nothing the next case reads.
def test_rep_a_cannot_read_rep_b(quarter):
    assert [route for route, holds in sorted(READS.items()) if not holds(quarter)] == []


def test_rep_a_cannot_change_what_is_not_theirs(quarter):
    assert [route for route, holds in sorted(WRITES.items()) if not holds(quarter)] == []
