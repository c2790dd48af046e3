"""A realistic fortnight posted to goal_service raises, in alert_service, exactly the warnings worked out by
hand in scenario.py, each with its evidence and diagnosis; the same ledger and rules raise the same
warnings again, after a restart and in a second service; a manager takes one through its lifecycle, and the
list shows each move at once, a page at a time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.alert_service.api.schemas import WarningOut, WarningsOut
from services.alert_service.app import create_app
from services.alert_service.application import AlertApplication, store_env
from shared.platform.http_client import http_client
from tests.scenarios.alert import ADMIN, RULES, fortnight, judged, record, setup_company, warnings
from tests.support import auth, serve_in_thread

EXPECTED = {
    # (rule, subject, period): (state, day raised)
    ("forecast", "r-1", "2026-10"): ("auto_resolved", "2026-10-13"),
    ("weekly", "r-2", "2026-W42"): ("open", "2026-10-13"),
    ("no-visits", "r-3", "2026-10"): ("auto_resolved", "2026-10-16"),
    ("weekly", "r-1", "2026-W43"): ("auto_resolved", "2026-10-20"),
    ("voided", "r-4", "2026-10"): ("open", "2026-10-22"),
    ("conversion", "r-2", "2026-W43"): ("open", "2026-10-25"),
}


def post_fortnight(goal, alert) -> int:
    position = 0
    for batch in fortnight():
        position = record(goal, batch)
    judged(alert, position)
    return position


def by_key(found: list[dict]) -> dict[tuple[str, str, str], dict]:
    return {(w["rule"]["id"], w["subject"]["id"], w["period"]): w for w in found}


def test_a_fortnight_raises_the_expected_warnings_with_evidence_and_diagnosis(goal, alert):
    setup_company(goal, alert)
    post_fortnight(goal, alert)
    found = by_key(warnings(alert))
    assert {key: (w["state"], w["raised"]["day"]) for key, w in found.items()} == EXPECTED

    pace = found[("weekly", "r-1", "2026-W43")]
    assert pace["evidence"]["phase"] == "pace"
    assert Decimal(pace["evidence"]["pace"]) == Decimal("0.75")  # 30,000 x 5 / (100,000 x 2)
    assert pace["evidence"]["working_days"]["elapsed"] == 2 and pace["evidence"]["working_days"]["total"] == 5
    cleared = pace["history"][-1]
    assert cleared["to"] == "auto_resolved" and cleared["day"] == "2026-10-21"
    assert Decimal(cleared["evidence"]["pace"]) == Decimal("1.5")  # 90,000 x 5 / (100,000 x 3)

    forecast = found[("forecast", "r-1", "2026-10")]
    assert (forecast["evidence"]["forecast"], forecast["evidence"]["target"]) == ("216000.00", "240000.00")  # x 18 / 5
    assert forecast["history"][-1]["day"] == "2026-10-15"  # 110,000 x 18 / 7 = 282,857.14

    idle = found[("no-visits", "r-3", "2026-10")]
    assert idle["evidence"]["working_days_without"] == 3 and idle["evidence"]["last_visit"]["day"] == "2026-10-13"
    assert idle["diagnosis"]["gap"] == "resource" and idle["diagnosis"]["action"] == "resources"
    assert idle["history"][-1]["day"] == "2026-10-19"

    converting = found[("conversion", "r-2", "2026-W43")]
    assert [w["rate"] for w in converting["evidence"]["weeks"]] == ["0.2500", "0.0000"]
    assert [w["team_mean"] for w in converting["evidence"]["weeks"]] == ["0.4167", "0.4167"]
    assert [(w["leads_created"], w["leads_converted"]) for w in converting["evidence"]["weeks"]] == [(4, 1), (4, 0)]
    assert converting["diagnosis"]["gap"] == "capability" and "coaching" in converting["diagnosis"]["reason"]

    voided = found[("voided", "r-4", "2026-10")]
    assert (voided["evidence"]["amount"], voided["evidence"]["min_amount"]) == ("150000.00", "100000.00")
    assert voided["evidence"]["positions"] == [voided["raised"]["position"]]
    for warning in found.values():
        assert warning["rule"]["version"] == 1 and warning["diagnosis"]["reason"]
        assert all(isinstance(p, int) for p in warning["evidence"].get("positions", []))


@pytest.mark.slow
def test_the_same_ledger_and_rules_raise_the_same_warnings_after_a_restart_and_in_another_service(
    goal, alert_settings, tmp_path
):
    with serve_in_thread(create_app(alert_settings)) as url, http_client(base_url=url) as alert:
        setup_company(goal, alert)
        batches = fortnight()
        for batch in batches[:6]:
            position = record(goal, batch)
        judged(alert, position)
        before = warnings(alert)
    with serve_in_thread(create_app(alert_settings)) as url, http_client(base_url=url) as alert:
        for batch in batches[6:]:
            position = record(goal, batch)
        judged(alert, position)
        after = warnings(alert)
    assert len({w["id"] for w in after}) == len(after) == len(EXPECTED)
    assert {w["id"] for w in before} <= {w["id"] for w in after}

    # A second alert_service on its own database, given the same rules before it starts, agrees exactly.
    other = alert_settings.model_copy(
        update={
            "data_dir": tmp_path / "other",
            "database_schema": alert_settings.database_schema and alert_settings.database_schema + "_other",
        }
    )
    application = AlertApplication(store_env(other))
    for rule_id, definition in RULES.items():
        application.define_rule(rule_id, definition, "2026-01-01", "hr", None, "2026-10-01T00:00:00Z")
    application.close()
    with serve_in_thread(create_app(other)) as url, http_client(base_url=url) as second:
        judged(second, position)
        again = warnings(second)

    def judgement(found: list[dict]) -> list[tuple]:
        return sorted((w["id"], w["state"], str(w["evidence"]), str(w["diagnosis"]), w["raised"]["day"]) for w in found)

    assert judgement(again) == judgement(after)


def test_a_manager_takes_a_warning_through_its_lifecycle_and_others_cannot(goal, alert):
    setup_company(goal, alert)
    post_fortnight(goal, alert)
    warning = by_key(warnings(alert))[("weekly", "r-2", "2026-W42")]
    path = f"/v1/warnings/{warning['id']}"
    manager, rep, other_rep = auth("t-east"), auth("t-rep2"), auth("t-rep")

    assert alert.get(path, headers=rep).status_code == 200
    assert alert.get(path, headers=other_rep).status_code == 404
    assert alert.get(path, headers=auth("t-manager")).status_code == 404  # leads team-east, not r-2's team
    assert alert.post(f"{path}/acknowledge", json={}, headers=rep).status_code == 403
    skipped = alert.post(f"{path}/resolve", json={"reason": "done"}, headers=manager)
    assert skipped.status_code == 409 and "open" in skipped.json()["detail"]

    acknowledged = alert.post(f"{path}/acknowledge", json={"reason": "seen in the 1:1"}, headers=manager)
    assert acknowledged.status_code == 200 and acknowledged.json()["state"] == "acknowledged"
    assert [w["id"] for w in warnings(alert, "t-east", state="acknowledged")] == [warning["id"]]  # at once
    missing_due = alert.post(f"{path}/action", json={"kind": "coaching", "owner": "m-east"}, headers=manager)
    assert missing_due.status_code == 422
    action = {"kind": "coaching", "owner": "m-east", "due": "2026-10-30", "reason": "pair on two calls"}
    planned = alert.post(f"{path}/action", json=action, headers=manager).json()
    assert planned["state"] == "action_planned" and planned["action"] == {
        "kind": "coaching",
        "owner": "m-east",
        "due": "2026-10-30",
    }
    answer = alert.post(f"{path}/resolve", json={"reason": "closed W43 at 90%"}, headers=manager)
    WarningOut.model_validate_json(answer.content)  # a person's moves in its history, as the document says
    resolved = answer.json()
    assert resolved["state"] == "resolved"
    assert [(h["to"], h["actor"], h["reason"]) for h in resolved["history"]] == [
        ("acknowledged", "manager:east", "seen in the 1:1"),
        ("action_planned", "manager:east", "pair on two calls"),
        ("resolved", "manager:east", "closed W43 at 90%"),
    ]
    assert alert.post(f"{path}/acknowledge", json={}, headers=manager).status_code == 409
    assert [w["id"] for w in warnings(alert, "t-rep2", state="active")] == [
        by_key(warnings(alert))[("conversion", "r-2", "2026-W43")]["id"]
    ]
    assert {w["subject"]["id"] for w in warnings(alert, "t-rep")} == {"r-1"}
    assert alert.get("/v1/warnings/00000000-0000-0000-0000-000000000000", headers=manager).status_code == 404

    # The list pages on with `next`, newest raised first, and refuses a cursor it did not give.
    everything, query = [], {"limit": "2"}
    while True:
        page = alert.get("/v1/warnings", params=query, headers=ADMIN)
        WarningsOut.model_validate_json(page.content)
        everything += page.json()["warnings"]
        if page.json()["next"] is None:
            break
        query = {"limit": "2", "cursor": page.json()["next"]}
    assert everything == warnings(alert) and len(everything) == len(EXPECTED)
    assert [w["raised"]["position"] for w in everything] == sorted(
        (w["raised"]["position"] for w in everything), reverse=True
    )
    for asked, name in (
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("cursor=12:nope", "cursor"),
        (f"cursor={2**63}:{everything[0]['id']}", "cursor"),
    ):
        refused = alert.get(f"/v1/warnings?{asked}", headers=ADMIN)
        assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == f"query:{name}", asked
