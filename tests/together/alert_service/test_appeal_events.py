"""Each step of an appeal reaches the rep and their managers: scoring_service logs every step with who, when
and why (`GET /v1/log/appeals`), and alert_service publishes it on its live feed, to the rep, the managers of
the rep's units and those who see everything, and to its webhook subscribers, signed as warnings are. A
restart of alert_service neither publishes nor delivers a step twice."""

from __future__ import annotations

import json

import httpx
import pytest

from services.alert_service.api.schemas import AppealEventOut, RegisteredSubscriptionOut
from services.alert_service.app import create_app as create_alert_app
from services.scoring_service.app import create_app as create_scoring_app
from shared.platform.http_client import http_client
from tests.scenarios.alert import ADMIN
from tests.scenarios.scoring import HR, caught_up, deal, publish_calendars, record, setup_company
from tests.support import auth, serve_in_thread
from tests.together.alert_service.test_delivery import Receiver, wait_for

SERVICE, REP, REP2, WANG = auth("t-service"), auth("t-rep"), auth("t-rep2"), auth("t-wang")
STEPS = ["appeal.filed", "appeal.reviewers_assigned", "appeal.decided"]
R1_UNITS = ["team-a", "east", "acme"]  # r-1's team and the units above it: their managers are told


@pytest.fixture
def scoring_url(goal, scoring_settings):
    """scoring_service with September published on the 30th, its appeals' clock inside the window."""
    app = create_scoring_app(scoring_settings)
    with serve_in_thread(app) as url, http_client(base_url=url, timeout=60) as scoring:
        parts = app.state.scoring
        setup_company(goal, scoring)
        publish_calendars(goal)
        caught_up(
            scoring, record(goal, [deal("d-1", "r-1", "900000", "2026-09-03"), deal("d-2", "r-2", "5", "2026-09-04")])
        )
        assert scoring.post("/v1/periods/2026-09/close", json={}, headers=HR).status_code == 200
        parts.closer.clock = lambda: "2026-09-30T10:00:00+08:00"
        assert scoring.post("/v1/periods/2026-09/publish", headers=HR).status_code == 200
        parts.appeals.clock = lambda: "2026-10-08T09:00:00+08:00"
        yield url


def read_feed(base_url: str, token: str, count: int) -> list[dict]:
    """The first `count` events of the feed, as {id, event, data}; a feed silent for 5 s (it pings every 15)
    fails the test rather than hanging it."""
    events, current = [], {}
    with httpx.stream("GET", f"{base_url}/v1/warnings/feed", headers=auth(token), timeout=5) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                field, _, value = line.partition(":")
                current[field] = json.loads(value.strip()) if field == "data" else value.strip()
            elif "data" in current:
                events.append(current)
                if len(events) == count:
                    return events
                current = {}
    raise AssertionError(f"the feed ended after {events}")


def appeal(scoring, rep: str, headers: dict[str, str]):
    body = {"disputed": [{"kind": "kpi", "ref": "revenue"}], "reason": f"a deal of {rep}'s is missing"}
    answer = scoring.post(f"/v1/appeals/2026-09/{rep}", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def step(scoring, name: str, headers: dict[str, str], **body):
    answer = scoring.post(f"/v1/appeals/2026-09/r-1/1/{name}", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def test_each_step_of_an_appeal_reaches_the_rep_their_managers_and_subscribers_once(scoring_url, alert_settings):
    settings = alert_settings.model_copy(update={"scoring_service_url": scoring_url})
    receiver = Receiver(failures=1)  # each message is refused once, then accepted: retried as warnings are
    with http_client(base_url=scoring_url, timeout=60) as scoring, serve_in_thread(receiver.app) as hooks:
        with serve_in_thread(create_alert_app(settings)) as url, http_client(base_url=url) as alert:
            body = {"url": f"{hooks}/hooks", "events": STEPS}
            registered = alert.put("/v1/subscriptions/appeals-bot", json=body, headers=ADMIN)
            assert registered.status_code == 201, registered.text
            receiver.secret = RegisteredSubscriptionOut.model_validate_json(registered.content).secret

            appeal(scoring, "r-1", REP)
            step(scoring, "assign", HR, reviewers=["wang"], reason="sales committee")
            step(scoring, "decide", WANG, outcome="upheld", reasons="d-9 was won by r-2, as recorded")

            logged = scoring.get("/v1/log/appeals", headers=SERVICE).json()["events"]
            assert [(e["type"], e["by"]) for e in logged] == list(
                zip(STEPS, ["rep:r-1", "wang.fang", "wang"], strict=True)
            )
            assert [e["id"] for e in logged] == sorted(e["id"] for e in logged)
            assert {(e["appeal_id"], tuple(e["manager_units"])) for e in logged} == {("2026-09/r-1/1", tuple(R1_UNITS))}
            assert (logged[1]["reviewers"], logged[2]["outcome"]) == (["wang"], "upheld")
            after_first = scoring.get("/v1/log/appeals", params={"after": logged[0]["id"]}, headers=SERVICE)
            assert after_first.json()["events"] == logged[1:]

            for token in ("t-rep", "t-east", "t-admin"):  # the rep, a manager above them, one who sees all
                seen = read_feed(url, token, 3)
                assert [e["event"] for e in seen] == STEPS, token
            data = [AppealEventOut.model_validate(e["data"]) for e in seen]
            assert [(d.step, d.by, d.text) for d in data] == [
                ("filed", "rep:r-1", "a deal of r-1's is missing"),
                ("reviewers_assigned", "wang.fang", "sales committee"),
                ("decided", "wang", "d-9 was won by r-2, as recorded"),
            ]
            assert [d.scoring_event for d in data] == [e["id"] for e in logged]

            wait_for(lambda: len(receiver.accepted) == 3)  # each verified against the subscription's secret
            delivered = list(receiver.accepted.values())
            assert [m["type"] for m in delivered] == STEPS
            assert delivered[-1]["data"] == seen[-1]["data"] and delivered[-1]["data"]["manager_units"] == R1_UNITS
            assert len(receiver.requests) == 6

        # Restarted, alert_service reads on after the steps it kept: r-2's appeal is the only news.
        with serve_in_thread(create_alert_app(settings)) as url, http_client(base_url=url) as alert:
            appeal(scoring, "r-2", REP2)
            (own,) = read_feed(url, "t-rep2", 1)  # r-2 sees their own step, none of r-1's before it
            assert (own["event"], own["data"]["rep_id"]) == ("appeal.filed", "r-2")
            everything = read_feed(url, "t-admin", 4)
            assert [e["data"]["rep_id"] for e in everything] == ["r-1"] * 3 + ["r-2"]
            wait_for(lambda: len(receiver.accepted) == 4)
            wait_for(lambda: len(receiver.requests) == 8)  # the r-2 step twice; r-1's none again
            deliveries = alert.get("/v1/deliveries", params={"subscription": "appeals-bot"}, headers=ADMIN).json()
            assert [d["event_type"] for d in deliveries] == [*STEPS, "appeal.filed"]


def test_the_log_of_appeal_steps_is_for_services_auditors_and_admins_and_refuses_bad_input(scoring):
    assert scoring.get("/v1/log/appeals", headers=HR).status_code == 403
    assert scoring.get("/v1/log/appeals", headers=REP).status_code == 403
    assert scoring.get("/v1/log/appeals", headers=auth("t-auditor")).json() == {"events": []}
    for params in ({"after": "x"}, {"after": -1}, {"limit": 0}, {"wait": 31}, {"after": 2**63}):
        assert scoring.get("/v1/log/appeals", params=params, headers=SERVICE).status_code == 422, params
    assert scoring.get("/v1/log/appeals", params={"after": 2**63 - 1}, headers=SERVICE).json() == {"events": []}
