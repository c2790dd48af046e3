"""The log of sealed appraisals is followed as the ledger is, by long poll: a poll with nothing new waits its
time and answers empty; a waiting poll is answered by the next close's seals, not by its timeout."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.scenarios.scoring import HR, caught_up, deal, record, setup_company, visits
from tests.support import auth

SERVICE = auth("t-service")


def test_a_waiting_poll_of_the_seal_log_is_answered_by_the_next_close(goal, scoring):
    setup_company(goal, scoring)
    head = record(goal, [deal("d-1", "r-1", "1500000", "2026-11-03"), *visits("r-2", 5, "2026-11-06")])
    caught_up(scoring, head)

    started = time.monotonic()
    idle = scoring.get("/v1/log/appraisals", params={"wait": 0.3}, headers=SERVICE)
    assert idle.status_code == 200 and idle.json()["events"] == []
    assert time.monotonic() - started >= 0.3  # it waited for news

    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        waiting = pool.submit(scoring.get, "/v1/log/appraisals", params={"wait": 20}, headers=SERVICE)
        time.sleep(0.3)  # the poll is waiting at scoring_service when HR closes the month
        assert scoring.post("/v1/periods/2026-11/close", json={}, headers=HR).json()["state"] == "closed"
        answer = waiting.result(30)
    assert [e["rep_id"] for e in answer.json()["events"]] == ["r-1", "r-2"]
    assert time.monotonic() - started < 10  # woken by the seals, not by its 20 s timeout


def test_a_wait_beyond_the_limit_is_a_problem_naming_it_and_nothing_follows_the_largest_id(scoring):
    answer = scoring.get("/v1/log/appraisals", params={"wait": 31}, headers=SERVICE)
    assert answer.status_code == 422 and "wait" in answer.text
    last = scoring.get("/v1/log/appraisals", params={"after": 2**63 - 1}, headers=SERVICE)
    assert last.status_code == 200 and last.json()["events"] == []
