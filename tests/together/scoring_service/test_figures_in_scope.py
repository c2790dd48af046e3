"""What scoring_service shows beyond a caller's own figures is bounded by their scope: a rep (r-1, team A) reads
neither the top seller of another team nor another team's highest, lowest and mean score, live or sealed; hr
reads all of it."""

from __future__ import annotations

from tests.scenarios.scoring import HR, caught_up, deal, record, setup_company
from tests.support import auth

REP = auth("t-rep")


def test_honours_and_team_figures_reach_a_rep_only_within_their_scope(goal, scoring):
    setup_company(goal, scoring)
    caught_up(
        scoring, record(goal, [deal("s-1", "r-1", "300000", "2026-09-03"), deal("s-2", "r-2", "900000", "2026-09-04")])
    )

    live_hr = scoring.get("/v1/scores", params={"period": "2026-09"}, headers=HR).json()
    assert live_hr["honours"]["top_seller"]["rep_id"] == "r-2" and set(live_hr["teams"]) == {"team-a", "team-b"}
    live_rep = scoring.get("/v1/scores", params={"period": "2026-09"}, headers=REP).json()
    assert "top_seller" not in live_rep["honours"]
    assert all(h["rep_id"] == "r-1" for h in live_rep["honours"].values())
    assert set(live_rep["teams"]) <= {"team-a"} and set(live_rep["scores"]) == {"r-1"}

    assert scoring.post("/v1/periods/2026-09/close", json={}, headers=HR).status_code == 200
    sealed_hr = scoring.get("/v1/periods/2026-09", headers=HR).json()["summary"]
    assert sealed_hr["honours"]["top_seller"]["rep_id"] == "r-2" and set(sealed_hr["teams"]) == {"team-a", "team-b"}
    sealed_rep = scoring.get("/v1/periods/2026-09", headers=REP).json()["summary"]
    assert set(sealed_rep["teams"]) <= {"team-a"} and "team-b" not in sealed_rep["teams"]
    assert all(h["rep_id"] == "r-1" for h in sealed_rep["honours"].values())
    assert set(scoring.get("/v1/periods/2026-09", headers=auth("t-east")).json()["summary"]["teams"]) == {
        "team-a",
        "team-b",
    }
