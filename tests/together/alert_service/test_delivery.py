"""Warnings reach people two ways: a live Server-Sent Events feed, scoped by role and resumable with
Last-Event-ID, and signed Standard Webhooks deliveries to URLs an admin subscribed, retried with backoff,
dead-lettered after the last attempt and redeliverable by hand."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from standardwebhooks.webhooks import Webhook

from services.alert_service.api.schemas import DeliveryOut, RegisteredSubscriptionOut, SubscriptionOut, WarningOut
from tests.scenarios.alert import ADMIN, setup_company, warnings
from tests.support import auth, serve_in_thread
from tests.together.alert_service.test_fortnight import EXPECTED, post_fortnight


def read_feed(base_url: str, token: str, count: int, last_event_id: str | None = None) -> list[dict]:
    """The first `count` events of the feed, as {id, event, data}."""
    headers = auth(token) | ({"last-event-id": last_event_id} if last_event_id else {})
    events, current = [], {}
    with httpx.stream("GET", f"{base_url}/v1/warnings/feed", headers=headers, timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if "data" in current:
                    events.append(current)
                    if len(events) == count:
                        return events
                current = {}
                continue
            field, _, value = line.partition(":")
            current[field] = json.loads(value.strip()) if field == "data" else value.strip()
    raise AssertionError(f"the feed ended after {events}")


def test_the_feed_sends_each_warning_event_in_scope_and_resumes_after_last_event_id(goal, alert):
    setup_company(goal, alert)
    post_fortnight(goal, alert)
    url = str(alert.base_url).rstrip("/")
    # Six warnings raised, three of them auto-resolved: nine events, in the order they happened.
    everything = read_feed(url, "t-admin", 9)
    assert [e["event"] for e in everything].count("warning.raised") == len(EXPECTED)
    assert [e["event"] for e in everything].count("warning.auto_resolved") == 3
    assert [int(e["id"]) for e in everything] == sorted(int(e["id"]) for e in everything)
    assert all(WarningOut.model_validate(e["data"]) for e in everything)  # each event's data is a Warning

    resumed = read_feed(url, "t-admin", 4, last_event_id=everything[4]["id"])
    assert resumed == everything[5:]

    mine = read_feed(url, "t-rep2", 2)  # r-2's two warnings only
    assert {(e["data"]["rule"]["id"], e["data"]["subject"]["id"]) for e in mine} == {
        ("weekly", "r-2"),
        ("conversion", "r-2"),
    }

    # A move made now arrives live, after what was already read.
    warning = next(w for w in warnings(alert) if w["rule"]["id"] == "voided")
    moved: list[dict] = []
    reader = threading.Thread(target=lambda: moved.extend(read_feed(url, "t-east", 1, everything[-1]["id"])))
    reader.start()
    time.sleep(0.3)
    assert alert.post(f"/v1/warnings/{warning['id']}/acknowledge", json={}, headers=auth("t-east")).status_code == 200
    reader.join(15)
    assert [(e["event"], e["data"]["id"]) for e in moved] == [("warning.acknowledged", warning["id"])]
    assert alert.get("/v1/warnings/feed", headers={"last-event-id": "x", **ADMIN}).status_code == 422


class Receiver:
    """A subscriber that checks every signature, answers 500 to the first `failures` attempts of each
    message, and keeps what it accepted, once per webhook-id."""

    def __init__(self, failures: int):
        self.failures = failures
        self.secret = ""
        self.requests: list[str] = []
        self.accepted: dict[str, dict] = {}
        self.app = FastAPI()
        self.app.post("/hooks")(self.receive)

    async def receive(self, request: Request) -> Response:
        body = (await request.body()).decode()
        message = Webhook(self.secret).verify(body, dict(request.headers))  # raises (a 500) when forged
        self.requests.append(request.headers["webhook-id"])
        if self.requests.count(request.headers["webhook-id"]) <= self.failures:
            return Response(status_code=500)
        self.accepted.setdefault(request.headers["webhook-id"], message)
        return Response(status_code=204)


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_subscriber_gets_every_warning_signed_after_two_failures_and_dead_letters_are_redelivered(goal, alert):
    receiver = Receiver(failures=2)
    with serve_in_thread(receiver.app) as hooks:
        registered = alert.put("/v1/subscriptions/crm-bot", json={"url": f"{hooks}/hooks"}, headers=ADMIN)
        assert registered.status_code == 201, registered.text
        receiver.secret = RegisteredSubscriptionOut.model_validate_json(registered.content).secret
        dead_end = {"url": "http://127.0.0.1:9/nothing-listens-here", "events": ["warning.raised"]}
        assert alert.put("/v1/subscriptions/dead-end", json=dead_end, headers=ADMIN).status_code == 201
        assert alert.put("/v1/subscriptions/crm-bot", json={"url": f"{hooks}/x"}, headers=ADMIN).status_code == 409
        assert alert.put("/v1/subscriptions/x", json={"url": "ftp://example.com"}, headers=ADMIN).status_code == 422
        assert alert.put("/v1/subscriptions/x", json={"url": f"{hooks}/x"}, headers=auth("t-hr")).status_code == 403

        setup_company(goal, alert)
        post_fortnight(goal, alert)
        wait_for(lambda: len(receiver.accepted) == 9)
        assert [m["type"] for m in receiver.accepted.values()].count("warning.raised") == len(EXPECTED)
        assert len(receiver.requests) == 27  # each of the nine refused twice, then accepted

        def crm_bot() -> list[dict]:
            return alert.get("/v1/deliveries", params={"subscription": "crm-bot"}, headers=ADMIN).json()

        # The last answer may still be on its way back to the dispatcher.
        wait_for(lambda: all(d["state"] == "delivered" for d in crm_bot()))
        delivered = crm_bot()
        assert [DeliveryOut.model_validate(d).state for d in delivered] == ["delivered"] * 9
        assert [(d["state"], d["attempts"], d["last_status"]) for d in delivered] == [("delivered", 3, 204)] * 9
        wait_for(
            lambda: len(alert.get("/v1/deliveries", params={"state": "dead"}, headers=ADMIN).json()) == len(EXPECTED)
        )
        dead = alert.get("/v1/deliveries", params={"state": "dead"}, headers=ADMIN).json()
        assert {d["subscription_id"] for d in dead} == {"dead-end"} and {d["attempts"] for d in dead} == {4}

        # The admin fixes nothing but asks again: the dead letter gets four fresh attempts.
        again = alert.post(f"/v1/deliveries/{dead[0]['id']}/redeliver", headers=ADMIN)
        assert again.status_code == 200 and DeliveryOut.model_validate_json(again.content).state == "pending"
        assert alert.post(f"/v1/deliveries/{dead[0]['id']}/redeliver", headers=ADMIN).status_code == 409
        wait_for(lambda: alert.get(f"/v1/deliveries/{dead[0]['id']}", headers=ADMIN).json()["state"] == "dead")

        # A resent crm-bot delivery keeps its webhook-id, so the receiver does not count it twice.
        first = delivered[0]["id"]
        assert alert.post(f"/v1/deliveries/{first}/redeliver", headers=ADMIN).status_code == 200
        wait_for(lambda: receiver.requests.count(first) == 4)
        assert len(receiver.accepted) == 9

        # Once disabled, a subscription gets nothing more.
        assert alert.delete("/v1/subscriptions/crm-bot", headers=ADMIN).json()["active"] is False
        disabled = alert.get("/v1/subscriptions/crm-bot", headers=ADMIN)
        assert "secret" not in disabled.json() and not SubscriptionOut.model_validate_json(disabled.content).active
        open_one = warnings(alert, state="open")[0]
        assert alert.post(f"/v1/warnings/{open_one['id']}/acknowledge", json={}, headers=ADMIN).status_code == 200
        time.sleep(1.5)  # three rounds of the dispatcher
        assert len(alert.get("/v1/deliveries", params={"subscription": "crm-bot"}, headers=ADMIN).json()) == 9
