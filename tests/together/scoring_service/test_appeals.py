"""Appeals over HTTP on both databases: September 2026 is published on Wednesday the 30th, so its window is
8, 9 and 10 October (National Day, then the make-up Saturday) and closes at midnight in Shanghai; r-1
appeals in time and the committee takes the appeal through review to a decision, each step recorded. And
what the committee and auditors decide on: the diff of a sealed appraisal against the ledger known now, and
a what-if under a proposed rule."""

from __future__ import annotations

import base64
import hashlib

import pytest

from services.scoring_service.api.appeal_schemas import AppealOut
from services.scoring_service.app import create_app
from shared.platform.http_client import http_client
from tests.scenarios.scoring import HR, PLAN, caught_up, deal, publish_calendars, record, setup_company
from tests.support import SOURCE, auth, cloudevent, serve_in_thread

REP, REP2, WANG, LI = auth("t-rep"), auth("t-rep2"), auth("t-wang"), auth("t-li")
DISPUTED = [{"kind": "kpi", "ref": "revenue", "claim": "d-9 was mine"}]


@pytest.fixture
def published(goal, scoring_settings):
    """scoring_service with September closed and published on 30 September; `at` moves its clock."""
    app = create_app(scoring_settings)
    with serve_in_thread(app) as url, http_client(base_url=url, timeout=60) as scoring:
        parts = app.state.scoring

        def at(moment: str) -> None:
            parts.closer.clock = parts.appeals.clock = lambda: moment

        setup_company(goal, scoring)
        publish_calendars(goal)
        caught_up(
            scoring, record(goal, [deal("d-1", "r-1", "900000", "2026-09-03"), deal("d-2", "r-2", "5", "2026-09-04")])
        )
        assert scoring.post("/v1/periods/2026-09/close", json={}, headers=HR).status_code == 200
        at("2026-09-30T10:00:00+08:00")
        yield scoring, at


def appeal(scoring, headers=REP, rep="r-1", **body):
    return scoring.post(
        f"/v1/appeals/2026-09/{rep}",
        json={"disputed": DISPUTED, "reason": "a deal is missing", **body},
        headers=headers,
    )


def step(scoring, name, headers, **body):
    return scoring.post(f"/v1/appeals/2026-09/r-1/1/{name}", json=body, headers=headers)


def test_a_publication_states_its_window_and_a_late_appeal_is_refused_naming_the_deadline(published):
    scoring, at = published
    publication = scoring.post("/v1/periods/2026-09/publish", headers=HR).json()["published"]
    assert publication["appeals"] == {
        "working_days": ["2026-10-08", "2026-10-09", "2026-10-10"],
        "deadline": "2026-10-11T00:00:00+08:00",
        "calendar_versions": {"2026": publication["appeals"]["calendar_versions"]["2026"]},
    }
    at("2026-10-11T00:00:00+08:00")
    late = appeal(scoring)
    assert late.status_code == 422, late.text
    assert "2026-10-11T00:00:00+08:00" in late.json()["detail"]
    at("2026-10-10T23:59:59+08:00")
    assert appeal(scoring).status_code == 201


def test_an_appeal_goes_from_filing_through_review_to_a_decision_each_step_recorded(published):
    scoring, at = published
    assert scoring.post("/v1/periods/2026-09/publish", headers=HR).status_code == 200
    at("2026-10-08T09:00:00+08:00")
    document = b"signed contract for d-9"
    evidence = [
        {"kind": "crm_record", "source": "crm://tests", "id": "d-9"},
        {
            "kind": "document",
            "name": "contract.pdf",
            "sha256": hashlib.sha256(document).hexdigest(),
            "content_base64": base64.b64encode(document).decode(),
        },
    ]
    filed = appeal(scoring, evidence=evidence)
    assert filed.status_code == 201, filed.text
    assert AppealOut.model_validate(filed.json()).state == "filed"
    assert appeal(scoring).status_code == 409  # one appeal per revision

    # only a reviewer hr assigned takes the committee's steps; the rep answers what they are asked
    assert step(scoring, "comment", WANG, text="looking").status_code == 409  # no reviewers yet
    assert step(scoring, "assign", HR, reviewers=["wang"], reason="sales committee").json()["state"] == "in_review"
    assert step(scoring, "comment", LI, text="me too").status_code == 409  # not a reviewer of this one
    assert step(scoring, "comment", REP, text="hello").status_code == 403  # not the committee
    assert step(scoring, "request-information", WANG, text="Which contract?").json()["state"] == "awaiting_rep"
    assert step(scoring, "decide", WANG, outcome="upheld", reasons="too soon").status_code == 409
    assert step(scoring, "answer", REP2, text="not mine").status_code == 404  # another rep's appeal
    assert step(scoring, "answer", REP, text="The one attached").json()["state"] == "in_review"
    decided = step(scoring, "decide", WANG, outcome="upheld", reasons="d-9 was won by r-2, as recorded")
    assert decided.status_code == 200, decided.text
    answer = decided.json()
    assert (answer["state"], answer["outcome"]) == ("decided", "upheld")
    assert [(s["step"], s["by"]) for s in answer["steps"]] == [
        ("filed", "rep:r-1"),
        ("reviewers_assigned", "wang.fang"),
        ("information_requested", "wang"),
        ("answered", "rep:r-1"),
        ("decided", "wang"),
    ]
    assert [e["kind"] for e in answer["evidence"]] == ["crm_record", "document"]

    # scope: the rep, their managers, the committee, hr and auditors read it; nobody else
    for headers in (REP, auth("t-east"), LI, HR, auth("t-auditor")):
        assert scoring.get("/v1/appeals/2026-09/r-1/1", headers=headers).status_code == 200
    for headers in (REP2, auth("t-manager")):  # another rep; a manager of a unit r-1 is not under
        assert scoring.get("/v1/appeals/2026-09/r-1/1", headers=headers).status_code == 404
    assert scoring.get("/v1/appeals", headers=REP2).json() == {"appeals": []}
    assert [a["rep_id"] for a in scoring.get("/v1/appeals", headers=HR).json()["appeals"]] == ["r-1"]


REFUSED = [
    ({"disputed": [{"kind": "kpi", "ref": "charm"}]}, "/disputed/0/ref"),
    ({"disputed": [{"kind": "commission_line", "ref": 7}]}, "/disputed/0/ref"),
    ({"evidence": [{"kind": "document", "sha256": "0" * 64, "content_base64": "aGVsbG8="}]}, "/evidence/0"),
    ({"evidence": [{"kind": "crm_record", "source": "crm://tests"}]}, "/evidence/0"),
]


def test_only_the_rep_appeals_once_published_and_only_figures_the_appraisal_has_with_evidence_that_adds_up(
    published,
):
    scoring, at = published
    at("2026-10-08T09:00:00+08:00")
    assert appeal(scoring).status_code == 404  # closed, not yet published: the rep cannot see it
    assert scoring.post("/v1/periods/2026-09/publish", headers=HR).status_code == 200
    assert appeal(scoring, headers=REP2).status_code == 404
    assert appeal(scoring, headers=HR).status_code == 404
    for body, pointer in REFUSED:
        refused = appeal(scoring, **body)
        assert refused.status_code == 422, refused.text
        assert any(e["pointer"].startswith(pointer) for e in refused.json()["errors"]), refused.json()
    assert scoring.get("/v1/appeals", headers=HR).json() == {"appeals": []}  # nothing recorded


def test_an_adjustment_seals_the_next_revision_from_the_corrected_ledger_and_it_replays(goal, published):
    """A September deal of r-1's recorded after the close: the committee adjusts, the second revision counts
    it, names the appeal and replays byte for byte; the first stays readable as sealed."""
    scoring, at = published
    assert scoring.post("/v1/periods/2026-09/publish", headers=HR).status_code == 200
    at("2026-10-08T09:00:00+08:00")
    assert appeal(scoring).status_code == 201
    late = record(goal, [deal("d-9", "r-1", "300000", "2026-09-20")])
    caught_up(scoring, late)
    assert step(scoring, "assign", HR, reviewers=["wang"], reason="sales committee").status_code == 200
    beyond = step(scoring, "decide", WANG, outcome="adjusted", reasons="d-9", cutoff_position=late + 5)
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["pointer"] == "/cutoff_position"

    decided = step(scoring, "decide", WANG, outcome="adjusted", reasons="d-9 was r-1's, recorded late")
    assert decided.status_code == 200, decided.text
    assert (decided.json()["outcome"], decided.json()["steps"][-1]["revision"]) == ("adjusted", 2)
    first, second = scoring.get("/v1/appraisals/2026-09/r-1", headers=REP).json()["revisions"]
    assert (first["result"]["kpis"][0]["actual"], second["result"]["kpis"][0]["actual"]) == ("900000.00", "1200000.00")
    assert second["seal"]["ledger"]["position"] == late
    assert second["seal"]["appeal"] == {"period": "2026-09", "rep_id": "r-1", "revision": 1}
    assert "appeal" not in first["seal"]  # a close's seal is signed as it always was
    replay = scoring.post("/v1/appraisals/2026-09/r-1/replay", headers=auth("t-auditor")).json()
    assert (replay["revision"], replay["result_matches"], replay["signature_valid"]) == (2, True, True)
    assert replay["ledger_hash_matches"] is True


def test_a_diff_names_the_late_event_and_the_void_that_moved_a_figure_and_reads_nothing_into_the_seal(goal, published):
    scoring, _ = published
    void = cloudevent("activity.voided", {"target": {"source": SOURCE, "id": "d-1"}, "reason": "cancelled"}, id_="v")
    late = record(goal, [deal("d-9", "r-1", "300000", "2026-09-20")])
    voided = record(goal, [void])
    caught_up(scoring, voided)

    assert scoring.get("/v1/appraisals/2026-09/r-1/diff", headers=REP).status_code == 403  # not the rep's to ask
    diff = scoring.get("/v1/appraisals/2026-09/r-1/diff", headers=auth("t-auditor")).json()
    assert (diff["revision"], diff["known_at"], diff["entries_since"]) == (1, voided, [late, voided])
    revenue = next(c for c in diff["changes"] if c["figure"] == "/kpis/revenue/actual")
    assert (revenue["old"], revenue["new"]) == ("900000.00", "300000.00")
    assert (revenue["entries_added"], revenue["entries_removed"]) == ([late, voided], [])
    assert {"/score", "/commission/total"} <= {c["figure"] for c in diff["changes"]}
    # nothing was recorded: the sealed revision is as it was, and a second diff answers the same
    assert len(scoring.get("/v1/appraisals/2026-09/r-1", headers=HR).json()["revisions"]) == 1
    assert scoring.get("/v1/appraisals/2026-09/r-1/diff", headers=WANG).json() == diff


def test_a_what_if_sets_a_proposed_plan_beside_the_sealed_statements_and_records_nothing(published):
    scoring, _ = published
    flat = {**PLAN["definition"], "name": "flat 2%", "tiers": [{"up_to": None, "rate": "0.02"}]}
    body = {"kind": "commission_plan", "rule_id": "tiers", "definition": flat}
    assert scoring.post("/v1/periods/2026-09/what-if", json=body, headers=REP).status_code == 403
    answer = scoring.post("/v1/periods/2026-09/what-if", json=body, headers=auth("t-auditor"))
    assert answer.status_code == 200, answer.text
    r1 = next(r for r in answer.json()["reps"] if r["rep_id"] == "r-1")
    assert (r1["sealed"]["commission"]["total"], r1["proposed"]["commission"]["total"]) == ("9000.00", "18000.00")
    assert r1["proposed"]["commission"]["plan"] == {"id": "tiers", "version": 0}  # the proposal, by its version 0
    assert {c["figure"] for c in r1["changes"]} == {"/commission/earned", "/commission/total"}
    mismatched = {**body, "kind": "scorecard"}
    assert scoring.post("/v1/periods/2026-09/what-if", json=mismatched, headers=HR).status_code == 422
    # nothing was recorded: the plan has its one version, each appraisal its one revision
    assert len(scoring.get("/v1/commission-plans/tiers", headers=HR).json()["versions"]) == 1
    assert len(scoring.get("/v1/appraisals/2026-09/r-1", headers=HR).json()["revisions"]) == 1


def test_the_lineage_of_a_figure_names_its_entries_with_their_chain_hashes_and_the_seal_s_rule_versions(
    goal, published
):
    scoring, _ = published
    auditor = auth("t-auditor")
    sealed = scoring.get("/v1/appraisals/2026-09/r-1", headers=HR).json()["revisions"][-1]
    positions = sealed["result"]["kpis"][0]["evidence"]["positions"]
    answer = scoring.get(
        "/v1/appraisals/2026-09/r-1/lineage", params={"figure": "/kpis/revenue/actual"}, headers=auditor
    )
    assert answer.status_code == 200, answer.text
    lineage = answer.json()
    assert (lineage["revision"], lineage["value"]) == (1, "900000.00")
    assert [e["position"] for e in lineage["entries"]] == positions
    events = goal.get("/v1/ledger/events", params={"after": positions[0] - 1, "limit": 1}, headers=auth("t-service"))
    assert lineage["entries"][0]["hash"] == events.json()["events"][0]["hash"]  # the chain, as followed
    assert lineage["entries"][0]["delivery"] == f"/v1/crm/entries/{positions[0]}"
    assert lineage["seal"] == sealed["seal"]  # the rule versions and ledger position it was sealed with
    score = scoring.get("/v1/appraisals/2026-09/r-1/lineage", params={"figure": "/score"}, headers=auditor).json()
    assert [e["position"] for e in score["entries"]] == positions  # a score stands on its KPIs' entries
    unknown = scoring.get("/v1/appraisals/2026-09/r-1/lineage", params={"figure": "/charm"}, headers=auditor)
    assert unknown.status_code == 422 and "/kpis/revenue/actual" in unknown.json()["detail"]
