"""End to end over HTTP on both databases: HR defines a scorecard, a commission plan and a bonus pool,
closes November, publishes; reps see their own sealed appraisal, trace its figures to ledger events, and
the seal verifies and replays byte for byte."""

from __future__ import annotations

import base64
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.scoring_service.api.schemas import AppraisalListOut, AppraisalOut, PeriodOut, ReplayOut, ScoresOut
from shared.platform.canonical import canonical_json, sha256_hex
from tests.scenarios.scoring import HR, caught_up, deal, publish_calendars, record, setup_company, visits
from tests.support import auth


def test_hr_closes_a_month_and_publishes_appraisals_a_rep_can_trace_and_an_auditor_can_verify(goal, scoring):
    setup_company(goal, scoring)
    publish_calendars(goal)  # publication counts the appeal window on it
    head = record(
        goal,
        [
            deal("d-1", "r-1", "1500000", "2026-11-03"),
            deal("d-2", "r-2", "700000", "2026-11-10"),
            deal("d-3", "r-1", "99", "2026-10-30"),  # October: not in November's figures
            *visits("r-1", 12, "2026-11-05"),
            *visits("r-2", 5, "2026-11-06"),
        ],
    )
    caught_up(scoring, head)

    closed = scoring.post("/v1/periods/2026-11/close", json={}, headers=HR)
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed" and closed.json()["cutoff_position"] == head
    PeriodOut.model_validate(closed.json())  # every answer is the shape its route declares in OpenAPI

    # before publication a rep sees nothing; HR sees everything
    assert scoring.get("/v1/appraisals/2026-11/r-1", headers=auth("t-rep")).status_code == 404
    assert scoring.post("/v1/periods/2026-11/publish", headers=HR).json()["state"] == "published"
    listed = AppraisalListOut.model_validate(scoring.get("/v1/appraisals/2026-11", headers=HR).json()).appraisals
    assert [a.rep_id for a in listed] == ["r-1", "r-2"]
    assert [a["rep_id"] for a in scoring.get("/v1/appraisals/2026-11", headers=auth("t-rep")).json()["appraisals"]] == [
        "r-1"
    ]

    sealed = scoring.get("/v1/appraisals/2026-11/r-1", headers=auth("t-rep")).json()["revisions"][-1]
    AppraisalOut.model_validate({"period": "2026-11", "rep_id": "r-1", "revisions": [sealed]})
    result = sealed["result"]
    revenue, visit_line = result["kpis"]
    # revenue: 1.5M of 1M is 150%, capped at 120% -> 120 points x 60% = 72; visits 12/10 -> 120 x 40% = 48
    # money to the fen as every answer writes it, though the CRM sent "1500000"; the visits a count
    assert (revenue["actual"], revenue["completion"], revenue["points"]) == ("1500000.00", "1.5000", "120.00")
    assert (revenue["target"], visit_line["actual"], visit_line["target"]) == ("1000000.00", 12, 10)
    assert (visit_line["points"], result["score"]) == ("120.00", "120.00")
    assert result["rank"]["company"] == {"rank": 1, "of": 2, "percentile": "100.00"}
    # tiers: 1M at 1% + 0.5M at 1.5% = 10,000 + 7,500
    commission = result["commission"]
    assert [line["amount"] for line in commission["lines"]] == ["10000.00", "7500.00"]
    assert commission["total"] == "17500.00"
    assert [e["value"] for e in commission["basis"]["events"]] == ["1500000.00"]
    assert (commission["basis"]["amount"], commission["lines"][1]["amount_in_band"]) == ("1500000.00", "500000.00")
    assert "top_seller" in result["honours"]
    # the events behind a figure are ledger entries a rep can read back
    entries = goal.get(
        "/v1/ledger/events",
        params={"after": commission["basis"]["events"][0]["position"] - 1, "limit": 1},
        headers=auth("t-auditor"),
    ).json()["events"]
    assert entries[0]["entry"]["data"]["deal_id"] == "d-1"

    # r-2 scores 0 on revenue (70% clears the 60% gate: 70 x 60% = 42) + visits 50 x 40% = 20 -> 62
    r2 = scoring.get("/v1/appraisals/2026-11/r-2", headers=HR).json()["revisions"][-1]["result"]
    assert r2["score"] == "62.00"
    # team pools: 5% of each team's revenue, one rep per team, so each takes its team's whole pool
    assert (result["bonus"]["pool_amount"], result["bonus"]["amount"]) == ("75000.00", "75000.00")
    assert scoring.get("/v1/appraisals/2026-11/r-2", headers=auth("t-rep")).status_code == 404

    # the seal: ledger position and hash, rule versions, result hash, and a signature a public key checks
    seal = sealed["seal"]
    assert seal["ledger"] == {
        "position": head,
        "hash": goal.get("/v1/ledger/head", headers=auth("t-service")).json()["hash"],
    }
    assert {r["kind"] for r in seal["rules"]} == {"scorecard", "commission_plan", "bonus_pool"}
    assert seal["result_sha256"] == sha256_hex(canonical_json(result))
    key = scoring.get("/v1/seal-keys").json()["keys"][0]
    assert key["key_id"] == seal["key_id"]
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"])).verify(
        base64.b64decode(sealed["signature"]), canonical_json(seal)
    )

    # later events and a new scorecard version do not move a sealed appraisal, and replay reproduces it
    later = record(goal, [deal("d-4", "r-1", "5000", "2026-11-20")])
    changed = scoring.put(
        "/v1/scorecards/sales",
        json={
            "effective_from": "2026-01-01",
            "reason": "reweighted",
            "definition": {
                **scoring.get("/v1/scorecards/sales", headers=HR).json()["versions"][0]["definition"],
                "name": "v2",
            },
        },
        headers=HR,
    )
    assert changed.status_code == 200 and len(changed.json()["versions"]) == 2
    caught_up(scoring, later)
    replay = scoring.post("/v1/appraisals/2026-11/r-1/replay", headers=auth("t-auditor")).json()
    ReplayOut.model_validate(replay)
    assert replay["result_matches"] and replay["ledger_hash_matches"] and replay["signature_valid"]
    assert replay["recomputed_sha256"] == seal["result_sha256"]
    live = ScoresOut.model_validate(scoring.get("/v1/scores", params={"period": "2026-11"}, headers=HR).json())
    assert Decimal(live.scores["r-1"].kpis[0].actual) == Decimal("1505000")
