"""Score rules follow scoring_service's log of sealed appraisals: when HR closes a month, an appraisal
sealed below the threshold raises a warning naming the seal, judged on the ledger at its cut-off."""

from __future__ import annotations

import time

from services.alert_service.app import create_app
from shared.platform.http_client import http_client
from tests.scenarios.alert import ADMIN, warnings
from tests.scenarios.scoring import HR, caught_up, deal, record, setup_company, visits
from tests.support import serve_in_thread


def test_an_appraisal_sealed_below_the_threshold_raises_a_warning_naming_its_seal(goal, scoring, alert_settings):
    settings = alert_settings.model_copy(update={"scoring_service_url": str(scoring.base_url)})
    with serve_in_thread(create_app(settings)) as url, http_client(base_url=url) as alert:
        setup_company(goal, scoring)
        rule = {"effective_from": "2026-01-01", "definition": {"kind": "appraisal_score_below", "threshold": "60"}}
        assert alert.put("/v1/warning-rules/low-score", json=rule, headers=HR).status_code == 201
        head = record(
            goal,
            [
                deal("d-1", "r-1", "1500000", "2026-11-03"),
                deal("d-2", "r-2", "500000", "2026-11-10"),
                *visits("r-1", 12, "2026-11-05"),
                *visits("r-2", 5, "2026-11-06"),
            ],
        )
        caught_up(scoring, head)
        assert scoring.post("/v1/periods/2026-11/close", json={}, headers=HR).json()["state"] == "closed"

        sealed = scoring.get("/v1/log/appraisals", headers=ADMIN).json()["events"]
        assert [e["rep_id"] for e in sealed] == ["r-1", "r-2"]
        deadline = time.monotonic() + 30
        while alert.get("/v1/business-clock", headers=ADMIN).json()["scores_position"] < sealed[-1]["id"]:
            assert time.monotonic() < deadline, "the sealed appraisals were not judged"
            time.sleep(0.05)
        (warning,) = warnings(alert)

    # r-2: 500,000 of 1M is under the 60% gate (0 points); 5 of 10 visits is 50 x 40% = 20. r-1 scores 120.
    assert (warning["rule"]["id"], warning["subject"]["id"], warning["period"]) == ("low-score", "r-2", "2026-11")
    assert warning["evidence"]["score"] == "20.00" and warning["evidence"]["positions"] == [head]
    sealed = scoring.get("/v1/appraisals/2026-11/r-2", headers=HR).json()["revisions"][-1]
    assert warning["evidence"]["result_sha256"] == sealed["seal"]["result_sha256"]
    assert warning["raised"]["day"] == "2026-11-30"
    assert warning["diagnosis"]["gap"] == "unclear"  # r-2 is alone in team B: on par with itself
    assert scoring.get("/v1/log/appraisals", headers=HR).status_code == 403
