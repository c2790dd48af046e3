"""The organisation over HTTP: HR builds and changes the tree, each change a ledger entry naming who made
it; reads answer as of a day and as known at a position, and only within the caller's scope."""

from __future__ import annotations

import pytest

from tests.support import auth, cloudevent, signed_post

HR = auth("t-hr")


def change(goal, path: str, body: dict, token: str = "t-hr", key: str | None = None):
    headers = auth(token) | ({"idempotency-key": key} if key else {})
    return goal.post(f"/v1/org/{path}", json={"effective_from": "2026-01-01", **body}, headers=headers)


@pytest.fixture
def tree(goal):
    for body in [
        {"unit_id": "acme", "name": "Acme", "kind": "company"},
        {"unit_id": "east", "name": "East", "kind": "region", "parent_id": "acme"},
        {"unit_id": "team-east", "name": "East A", "kind": "team", "parent_id": "east"},
        {"unit_id": "team-b", "name": "East B", "kind": "team", "parent_id": "east"},
        {"unit_id": "west", "name": "West", "kind": "region", "parent_id": "acme"},
        {"unit_id": "team-w", "name": "West A", "kind": "team", "parent_id": "west"},
    ]:
        assert change(goal, "units", body).status_code == 201
    for rep, team in [("r-1", "team-east"), ("r-2", "team-b"), ("r-3", "team-w")]:
        assert change(goal, "reps", {"rep_id": rep, "name": rep.upper(), "unit_id": team}).status_code == 201
    return goal


def reps(goal, token: str = "t-hr", **params) -> dict[str, str]:
    found = goal.get("/v1/org/reps", params=params, headers=auth(token)).json()["reps"]
    return {r["rep_id"]: r["unit_id"] for r in found}


def test_each_change_is_a_ledger_entry_naming_who_made_it(tree):
    entries = tree.get("/v1/ledger/events", headers=auth("t-auditor")).json()["events"]
    assert [e["entry"]["type"] for e in entries][:2] == ["org.unit.created", "org.unit.created"]
    assert {e["entry"]["data"]["actor"] for e in entries} == {"wang.fang"}
    assert entries[0]["entry"]["occurred_at"] == "2025-12-31T16:00:00.000000Z"  # 1 January in Shanghai


def test_a_move_recorded_late_changes_business_days_after_it_but_not_what_was_known_before(tree):
    before = tree.get("/v1/ledger/head", headers=auth("t-auditor")).json()["position"]
    assert change(tree, "reps/r-1/moves", {"unit_id": "team-w", "effective_from": "2026-02-01"}).status_code == 201
    assert reps(tree, as_of="2026-01-31")["r-1"] == "team-east"
    assert reps(tree, as_of="2026-02-01")["r-1"] == "team-w"
    assert reps(tree, as_of="2026-02-01", known_at=before)["r-1"] == "team-east"
    history = tree.get("/v1/org/reps/r-1", headers=HR).json()["memberships"]
    assert history == [
        {"unit_id": "team-east", "valid_from": "2026-01-01", "valid_to": "2026-02-01"},
        {"unit_id": "team-w", "valid_from": "2026-02-01", "valid_to": None},
    ]


def test_units_are_listed_with_their_parent_on_the_day(tree):
    assert change(tree, "units/team-b/moves", {"parent_id": "west", "effective_from": "2026-06-01"}).status_code == 201
    assert change(tree, "units/team-b/renames", {"name": "West B", "effective_from": "2026-06-01"}).status_code == 201
    may = {
        u["unit_id"]: u for u in tree.get("/v1/org/units", params={"as_of": "2026-05-31"}, headers=HR).json()["units"]
    }
    june = {
        u["unit_id"]: u for u in tree.get("/v1/org/units", params={"as_of": "2026-06-01"}, headers=HR).json()["units"]
    }
    assert (may["team-b"]["parent_id"], may["team-b"]["name"]) == ("east", "East B")
    assert (june["team-b"]["parent_id"], june["team-b"]["name"]) == ("west", "West B")
    assert reps(tree, as_of="2026-06-01", unit_id="west") == {"r-2": "team-b", "r-3": "team-w"}


def test_refused_changes_name_the_field_and_record_nothing(tree):
    head = tree.get("/v1/ledger/head", headers=auth("t-auditor")).json()["position"]
    missing = change(tree, "units", {"unit_id": "north", "kind": "region", "parent_id": "acme"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["pointer"] == "/name"
    bad_parent = change(tree, "units", {"unit_id": "north", "name": "N", "kind": "region", "parent_id": "team-b"})
    assert bad_parent.status_code == 422 and bad_parent.json()["errors"][0]["pointer"] == "/parent_id"
    assert (
        change(tree, "units", {"unit_id": "east", "name": "E", "kind": "region", "parent_id": "acme"}).status_code
        == 409
    )
    assert change(tree, "reps/r-9/departures", {}).status_code == 422
    assert tree.get("/v1/ledger/head", headers=auth("t-auditor")).json()["position"] == head


def test_an_idempotency_key_makes_a_retried_change_a_duplicate(goal):
    body = {"unit_id": "acme", "name": "Acme", "kind": "company"}
    first = change(goal, "units", body, key="k-1")
    again = change(goal, "units", body, key="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["position"] == first.json()["position"] and again.json()["duplicate"]
    assert change(goal, "units", {**body, "name": "Other"}, key="k-1").status_code == 409


def test_only_hr_and_admins_change_the_organisation(goal):
    body = {"unit_id": "acme", "name": "Acme", "kind": "company"}
    for token in ("t-rep", "t-manager", "t-auditor", "t-service"):
        assert change(goal, "units", body, token=token).status_code == 403
    assert change(goal, "units", body, token="t-admin").status_code == 201


def test_reads_are_scoped_to_what_the_caller_may_see(tree):
    assert reps(tree, token="t-east", as_of="2026-03-01") == {"r-1": "team-east", "r-2": "team-b"}
    assert reps(tree, token="t-manager", as_of="2026-03-01") == {"r-1": "team-east"}
    assert reps(tree, token="t-rep", as_of="2026-03-01") == {"r-1": "team-east"}
    units = tree.get("/v1/org/units", params={"as_of": "2026-03-01"}, headers=auth("t-rep")).json()["units"]
    assert [u["unit_id"] for u in units] == ["team-east"]
    assert tree.get("/v1/org/reps/r-3", headers=auth("t-east")).status_code == 404
    assert tree.get("/v1/org/reps/r-3", headers=auth("t-rep")).status_code == 404
    assert tree.get("/v1/org/reps/r-1", headers=auth("t-rep")).status_code == 200


def test_a_crm_cannot_post_organisation_changes(goal):
    forged = cloudevent(
        "org.unit.created",
        {"unit_id": "x", "name": "X", "kind": "company", "effective_from": "2026-01-01", "actor": "crm"},
    )
    response = signed_post(goal, forged)
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/type"
