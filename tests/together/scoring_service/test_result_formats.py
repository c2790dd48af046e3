"""Sealed appraisals keep the form they were sealed in, and stored definitions keep the names they were
stored under, so replay stays byte for byte across the change to how money is written and the rename of
the renewal-based rate; new closes write money to the fen and can score the seeds' customer churn.

November, as the previous release would have sealed it: r-1 wins d-1 (1,000,000, customer c-d-1) and d-1b
(500,000, c-d-1b), renews 3 contracts and logs the churn of c-x (never won here). The scorecard stored then
scores revenue (60%) and `churn_rate` (40%, inverse, target 0.5): churns over renewals plus churns is
1 / 4 = 0.25, completion 0.5 / 0.25 = 2, capped at 1.2: 120 points. December, closed now: r-1 wins d-2
(1,000,000) and loses c-d-1; a scorecard from 1 December scores the seeds' churn, customers lost over the
customers at the start, 1 / 2 = 0.5 against a target of 0.25: completion 0.5, 50 points; revenue 100%: 100
points; 100 x 60% + 50 x 40% = 80."""

from __future__ import annotations

from datetime import date

from services.scoring_service.app import create_app
from services.scoring_service.domain.definitions import STORED, Scorecard
from services.scoring_service.domain.records import CloseInputs
from shared.kernel.periods import parse_period
from shared.platform.http_client import http_client
from tests.scenarios.scoring import HR, SCORECARD, caught_up, deal, record, setup_company
from tests.support import auth, cloudevent, serve_in_thread

AUDITOR = auth("t-auditor")


def revenue_kpi() -> dict:
    return SCORECARD["definition"]["kpis"][0]


def card(churn_kpi: dict) -> dict:
    return {**SCORECARD["definition"], "kpis": [revenue_kpi(), churn_kpi]}


OLD_CHURN = {"key": "churn", "name": "流失", "group": "process", "weight": "40", "metric": "churn_rate",
             "target": "0.5", "curve": {"kind": "inverse", "cap": "1.2"}}  # fmt: skip
SEEDS_CHURN = {**OLD_CHURN, "metric": "customer_churn_rate", "target": "0.25"}


def customer_event(type_: str, id_: str, customer: str, day: str, **extra) -> dict:
    data = {"rep_id": "r-1", "customer_id": customer, **extra}
    return cloudevent(type_, data, id_=id_, time_=f"{day}T10:00:00+08:00")


def renewal(n: int) -> dict:
    extra = {"contract_id": f"k-{n}", "amount": "1000.00", "currency": "CNY"}
    return customer_event("contract.renewed", f"renew-{n}", f"c-r-{n}", "2026-11-20", **extra)


def test_an_old_close_replays_as_sealed_and_a_new_one_writes_money_to_the_fen(goal, scoring_settings):
    app = create_app(scoring_settings)
    with serve_in_thread(app) as url, http_client(base_url=url, timeout=60) as scoring:
        setup_company(goal, scoring)
        application, inputs = app.state.scoring.application, app.state.scoring.closer.inputs
        # a new version may not use the old name, which now means something other than the seeds' churn
        refused = scoring.put(
            "/v1/scorecards/sales",
            json={"effective_from": "2026-01-01", "definition": card(OLD_CHURN)},
            headers=HR,
        )
        assert (
            refused.status_code == 422 and "non_renewal_rate" in refused.text and "customer_churn_rate" in refused.text
        )
        # ...but a version the previous release stored under it is read with its old meaning
        stored = Scorecard.model_validate(card(OLD_CHURN), context=STORED)
        application.define_rule(
            "scorecard", "sales", stored, date(2026, 1, 1), "hr", "FY2026", "2026-01-02T00:00:00.000000Z"
        )
        november = record(
            goal,
            [
                deal("d-1", "r-1", "1000000", "2026-11-03"),
                deal("d-1b", "r-1", "500000", "2026-11-04"),
                *(renewal(n) for n in range(3)),
                customer_event("customer.churned", "churn-x", "c-x", "2026-11-21"),
            ],
        )
        caught_up(scoring, november)
        # the close begun by the previous release recorded no result format
        period = parse_period("2026-11")
        recorded = CloseInputs(rules=inputs.rules_in_force(period), ratings_seen=0, earlier=inputs.earlier(period))
        assert "result_format" not in recorded.stored()
        application.begin_close("2026-11", november, november, recorded, "hr", "2026-12-01T00:00:00.000000Z")
        assert scoring.post("/v1/periods/2026-11/close", json={}, headers=HR).status_code == 200

        sealed = scoring.get("/v1/appraisals/2026-11/r-1", headers=HR).json()["revisions"][0]
        revenue, churn = sealed["result"]["kpis"]
        assert (revenue["actual"], revenue["target"]) == ("1500000", "1000000")  # as sealed then
        assert (churn["metric"], churn["actual"], churn["points"]) == ("churn_rate", "0.2500", "120.00")
        assert sealed["seal"]["result_format"] == 1
        replay = scoring.post("/v1/appraisals/2026-11/r-1/replay", headers=AUDITOR).json()
        assert replay["result_matches"] and replay["recomputed_sha256"] == sealed["seal"]["result_sha256"]

        seeds = {"effective_from": "2026-12-01", "reason": "the seeds' churn", "definition": card(SEEDS_CHURN)}
        assert scoring.put("/v1/scorecards/sales", json=seeds, headers=HR).status_code == 200
        december = record(
            goal,
            [
                deal("d-2", "r-1", "1000000", "2026-12-02"),
                customer_event("customer.churned", "churn-1", "c-d-1", "2026-12-15"),
            ],
        )
        caught_up(scoring, december)
        assert scoring.post("/v1/periods/2026-12/close", json={}, headers=HR).status_code == 200
        sealed = scoring.get("/v1/appraisals/2026-12/r-1", headers=HR).json()["revisions"][0]
        result = sealed["result"]
        revenue, churn = result["kpis"]
        assert (revenue["actual"], revenue["target"]) == ("1000000.00", "1000000.00")
        assert (churn["actual"], churn["target"], churn["completion"], churn["points"]) == (
            "0.5000",
            "0.2500",
            "0.5000",
            "50.00",
        )
        assert result["score"] == "80.00" and sealed["seal"]["result_format"] == 2
        assert [e["value"] for e in result["commission"]["basis"]["events"]] == ["1000000.00"]
        replay = scoring.post("/v1/appraisals/2026-12/r-1/replay", headers=AUDITOR).json()
        assert replay["result_matches"] and replay["recomputed_sha256"] == sealed["seal"]["result_sha256"]
        # November still replays as sealed once December's figures are written the new way
        assert scoring.post("/v1/appraisals/2026-11/r-1/replay", headers=AUDITOR).json()["result_matches"]
