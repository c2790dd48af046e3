"""Live scores are read from the rows scoring_service keeps (appraisals/live_results.py): the same bytes as an
appraisal computed for the answer, current after every ledger entry or rule change that touches the period,
and picked by scope in the query."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update

from services.scoring_service.api.schemas import ScoresOut
from services.scoring_service.settings import SERVICE_NAME
from shared.kernel.ledger_views.tables import rep_day_sums
from shared.platform.canonical import canonical_json
from shared.platform.readmodel import create_read_model_engine
from tests.scenarios.goal import import_csv
from tests.scenarios.scoring import HR, SCORECARD, caught_up, deal, record, setup_company, visits
from tests.support import auth


def scores(scoring, headers=HR, **params):
    response = scoring.get("/v1/scores", params={"period": "2026-11", **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_live_scores_are_kept_current_and_equal_a_fresh_appraisal(goal, scoring):
    setup_company(goal, scoring)
    assert import_csv(goal, "kind,id,name,parent,effective_from\nrep,r-3,Wu,team-w,2026-01-01\n").status_code == 200
    november = record(
        goal,
        [
            deal("d-1", "r-1", "1500000", "2026-11-03"),
            deal("d-2", "r-2", "700000", "2026-11-10"),
            deal("d-3", "r-3", "400000", "2026-11-12"),
            *visits("r-1", 12, "2026-11-05"),
        ],
    )
    caught_up(scoring, november)
    stored = scores(scoring)
    # written from the kept texts, it is still the canonical form of the declared model
    assert stored.content == canonical_json(ScoresOut.model_validate(stored.json()).model_dump(by_alias=True))
    assert stored.json()["known_at"] == november

    # an entry after November's end leaves November's rows current: the same figures, as known later
    later = record(goal, [deal("d-4", "r-1", "5", "2026-12-02")])
    caught_up(scoring, later)
    assert {**scores(scoring).json(), "known_at": november} == stored.json()
    # and an appraisal computed for an answer as known at November's position gives the same bytes
    assert scores(scoring, known_at=november).content == stored.content

    # a manager reads their subtree's reps only (a rep's unit on the period's last day), a rep their own
    assert sorted(scores(scoring, auth("t-east")).json()["scores"]) == ["r-1", "r-2"]
    assert sorted(scores(scoring, auth("t-rep2")).json()["scores"]) == ["r-2"]

    # a November entry, then a new scorecard version, each make the rows current again
    head = record(goal, [deal("d-5", "r-2", "300000", "2026-11-20")])
    caught_up(scoring, head)
    now = scores(scoring).json()
    assert now["known_at"] == head
    assert Decimal(now["scores"]["r-2"]["kpis"][0]["actual"]) == Decimal("1000000")
    revenue, *others = SCORECARD["definition"]["kpis"]
    kpis = [{**revenue, "target": "2000000"}, *others]
    scorecard = {**SCORECARD, "definition": {**SCORECARD["definition"], "kpis": kpis}}
    assert scoring.put("/v1/scorecards/sales", json=scorecard, headers=HR).status_code == 200
    line = scores(scoring).json()["scores"]["r-2"]["kpis"][0]
    assert (line["target"], line["completion"]) == ("2000000.00", "0.5000")

    ranking = scoring.get("/v1/rankings", params={"period": "2026-11"}, headers=HR).json()["ranking"]
    assert [(r["rep_id"], r["rank"]) for r in ranking] == [("r-1", 1), ("r-2", 2), ("r-3", 3)]
    statement = scoring.get("/v1/statements/r-2", params={"period": "2026-11"}, headers=auth("t-rep2"))
    assert statement.status_code == 200 and statement.json()["known_at"] == head
    assert scoring.get("/v1/statements/r-3", params={"period": "2026-11"}, headers=auth("t-rep2")).status_code == 404


def test_sums_that_disagree_with_the_contributions_stop_the_scores_with_a_problem(goal, scoring, scoring_settings):
    """The ranks come from the day sums, each rep's evidence from their contributions: a tamperer who raises a
    rep's sums in the database gets a 503 naming the damage, never a rank the evidence does not bear out."""
    setup_company(goal, scoring)
    caught_up(scoring, record(goal, [deal("d-1", "r-1", "1500000", "2026-11-03")]))
    assert Decimal(scores(scoring).json()["scores"]["r-1"]["kpis"][0]["actual"]) == Decimal("1500000")

    engine = create_read_model_engine(scoring_settings, SERVICE_NAME)
    with engine.begin() as connection:
        sums = rep_day_sums.c
        connection.execute(update(rep_day_sums).where(sums.rep_id == "r-1").values(units=sums.units * 10))
    engine.dispose()
    caught_up(scoring, record(goal, [deal("d-2", "r-2", "700000", "2026-11-10")]))
    response = scoring.get("/v1/scores", params={"period": "2026-11"}, headers=HR)
    assert response.status_code == 503, response.text
    assert "r-1's figures for 2026-11 differ" in response.json()["detail"]
