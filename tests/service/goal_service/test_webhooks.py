"""Signed CloudEvents over HTTP: signatures, validation, idempotency and atomic batches, on both stores."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from services.goal_service.app import create_app
from shared.platform.http_client import http_client
from tests.support import (
    OLD_SECRET,
    OLD_SECRET_BYTES,
    SECRET,
    auth,
    cloudevent,
    deal_won,
    serve_in_thread,
    sign,
    signed_post,
)


def head_position(goal: httpx.Client) -> int:
    return goal.get("/v1/ledger/head", headers=auth("t-auditor")).json()["position"]


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"]
    return problem


def test_signed_event_is_recorded_and_its_redelivery_answers_the_original_position(goal):
    event = deal_won()
    first = signed_post(goal, event)
    assert first.status_code == 201, first.text
    assert first.json() == {
        "source": event["source"],
        "id": event["id"],
        "type": "deal.won",
        "position": 1,
        "duplicate": False,
    }
    again = signed_post(goal, event)
    assert again.status_code == 200
    assert again.json()["position"] == 1 and again.json()["duplicate"] is True
    assert head_position(goal) == 1


def test_same_identity_with_different_content_is_a_conflict_and_changes_nothing(goal):
    event = deal_won(amount="1000.00")
    signed_post(goal, event)
    changed = {**event, "data": {**event["data"], "amount": "999.00"}}
    problem = assert_problem(signed_post(goal, changed), 409)
    assert "position 1" in problem["detail"]
    entry = goal.get("/v1/ledger/events", headers=auth("t-service")).json()["events"][0]["entry"]
    assert entry["data"]["amount"] == "1000.00"
    assert head_position(goal) == 1


@pytest.mark.parametrize(
    "how",
    ["wrong key", "stale timestamp", "future timestamp", "missing headers", "body changed", "garbled signature"],
)
def test_unauthenticated_deliveries_are_401_and_record_nothing(goal, how):
    body = json.dumps(deal_won()).encode()
    headers = {"content-type": "application/cloudevents+json"}
    if how == "wrong key":
        headers |= sign(body, key=b"not-the-secret")
    elif how == "stale timestamp":
        headers |= sign(body, ts=int(time.time()) - 301)
    elif how == "future timestamp":
        headers |= sign(body, ts=int(time.time()) + 360)  # a minute of margin: a loaded machine answers late
    elif how == "body changed":
        headers |= sign(body)
        body = body.replace(b"1000.00", b"9000.00")
    elif how == "garbled signature":
        headers |= sign(body) | {"webhook-signature": "v1"}
    problem = assert_problem(goal.post("/v1/webhooks/generic", content=body, headers=headers), 401)
    assert "signature" in problem["detail"]
    assert head_position(goal) == 0


def test_rotated_secrets_accept_old_and_new_until_the_old_is_removed(goal_settings):
    goal_settings.webhook_secret = [SECRET, OLD_SECRET]
    with serve_in_thread(create_app(goal_settings)) as url, http_client(base_url=url) as client:
        assert signed_post(client, deal_won()).status_code == 201
        assert signed_post(client, deal_won(), key=OLD_SECRET_BYTES).status_code == 201
    goal_settings.webhook_secret = [SECRET]
    with serve_in_thread(create_app(goal_settings)) as url, http_client(base_url=url) as client:
        assert_problem(signed_post(client, deal_won(), key=OLD_SECRET_BYTES), 401)
        assert head_position(client) == 2


def test_a_bad_amount_is_422_naming_the_field(goal):
    event = cloudevent(
        "deal.won", {"rep_id": "r-1", "customer_id": "c-1", "deal_id": "d-1", "amount": "not-money", "currency": "CNY"}
    )
    problem = assert_problem(signed_post(goal, event), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/data/amount"]
    assert head_position(goal) == 0


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"type": "deal.signed"}, "/type"),
        ({"time": "yesterday"}, "/time"),
        ({"time": "2026-10-05T03:00:00"}, "/time"),  # no offset: the instant is undefined
        ({"specversion": "0.3"}, "/specversion"),
        ({"id": ""}, "/id"),
        (
            {"data": {"rep_id": "r-1", "customer_id": "c-1", "deal_id": "d-1", "amount": "5", "currency": "yuan"}},
            "/data/currency",
        ),
        (
            {"data": {"rep_id": "r-1", "customer_id": "c-1", "deal_id": "d-1", "amount": "-5", "currency": "CNY"}},
            "/data/amount",
        ),
        (
            {
                "data": {
                    "rep_id": "r-1",
                    "customer_id": "c-1",
                    "deal_id": "d-1",
                    "amount": 5.5,
                    "currency": "CNY",
                    "ammount": "5",
                }
            },
            "/data/ammount",
        ),
    ],
)
def test_envelope_and_schema_errors_name_the_field(goal, change, pointer):
    problem = assert_problem(signed_post(goal, deal_won() | change), 422)
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert head_position(goal) == 0


def event_body(**data: object) -> bytes:
    return json.dumps(deal_won() | {"data": deal_won()["data"] | data}).encode()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "nests deeper than 64 levels"),
        (b'{"specversion": "1.0", "data": ' + b'{"a":' * 2000 + b"1" + b"}" * 2001, "nests deeper than 64 levels"),
        (event_body(amount=1).replace(b'"amount": 1', b'"amount": ' + b"9" * 5000), "a number of 5000 digits"),
        (event_body(amount=1).replace(b'"amount": 1', b'"amount": NaN'), "NaN, which is not a JSON number"),
        (event_body(amount="1e-999999"), "/data/amount: amount must have at most 6 decimal places"),
        (event_body(amount="1E+999999"), "/data/amount: amount must be below"),
        (event_body(rep_id="r-\u00001"), "/data/rep_id: must not hold control characters; U+0000"),
        (event_body(customer_id="c\u0085-1"), "/data/customer_id: must not hold control characters; U+0085"),
        (event_body(deal_id="\ud800"), "unpaired UTF-16 surrogate"),
        (json.dumps(deal_won(time_="9999-12-31T23:59:59-23:59")).encode(), "/time: time must fall in the years"),
        (json.dumps(deal_won(time_="0001-01-01T00:00:00+23:59")).encode(), "/time: time must fall in the years"),
        (json.dumps(deal_won(id_="e-\u0000")).encode(), "/id: must not hold control characters"),
    ],
)
def test_hostile_bodies_are_422_problems_that_record_nothing_and_stop_nothing(goal, body, says):
    response = goal.post(
        "/v1/webhooks/generic", content=body, headers={"content-type": "application/cloudevents+json", **sign(body)}
    )
    problem = assert_problem(response, 422)
    described = problem["detail"] + "".join(f" {e['pointer']}: {e['detail']}" for e in problem.get("errors", []))
    assert says in described
    assert head_position(goal) == 0
    assert signed_post(goal, deal_won()).status_code == 201  # and the next good delivery is recorded


def test_a_batch_with_one_bad_event_records_none_of_it(goal):
    batch = [cloudevent("call.logged", {"rep_id": "r-1", "customer_id": f"c-{i}"}) for i in range(10)]
    batch[3]["data"]["duration_seconds"] = -1
    problem = assert_problem(signed_post(goal, batch), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/3/data/duration_seconds"]
    assert head_position(goal) == 0


def test_a_batch_is_recorded_in_order_and_counts_its_duplicates(goal):
    batch = [cloudevent("visit.completed", {"rep_id": "r-1", "customer_id": f"c-{i}"}) for i in range(5)]
    signed_post(goal, batch[1])
    response = signed_post(goal, batch)
    assert response.status_code == 201
    receipt = response.json()
    assert (receipt["recorded"], receipt["duplicates"]) == (4, 1)
    assert [e["position"] for e in receipt["events"]] == [2, 1, 3, 4, 5]


def test_non_json_and_wrong_media_types_are_refused(goal):
    body = b"{not json"
    problem = assert_problem(
        goal.post(
            "/v1/webhooks/generic", content=body, headers={"content-type": "application/cloudevents+json", **sign(body)}
        ),
        422,
    )
    assert "JSON" in problem["detail"]
    body = json.dumps(deal_won()).encode()
    assert_problem(
        goal.post("/v1/webhooks/generic", content=body, headers={"content-type": "text/plain", **sign(body)}), 415
    )
    assert head_position(goal) == 0


def test_a_hundred_concurrent_deliveries_of_one_event_record_it_once(goal_url):
    event = deal_won()
    body = json.dumps(event).encode()

    async def deliver_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=goal_url, timeout=30, limits=httpx.Limits(max_connections=100)) as client:
            # Each delivery is its own webhook message (as a CRM retrying would send it), same event.
            return await asyncio.gather(
                *(
                    client.post(
                        "/v1/webhooks/generic",
                        content=body,
                        headers={"content-type": "application/cloudevents+json", **sign(body, msg_id=f"msg_{n}")},
                    )
                    for n in range(100)
                )
            )

    responses = asyncio.run(deliver_all())
    assert sorted(r.status_code for r in responses) == [200] * 99 + [201]
    assert {r.json()["position"] for r in responses} == {1}
    assert sum(r.json()["duplicate"] is False for r in responses) == 1
    with http_client(base_url=goal_url) as client:
        assert head_position(client) == 1


def test_a_batch_larger_than_one_transaction_should_hold_is_413(goal):
    batch = [cloudevent("call.logged", {"rep_id": "r-1"}) for _ in range(1001)]
    problem = assert_problem(signed_post(goal, batch), 413)
    assert "/v1/imports" in problem["detail"]
    assert head_position(goal) == 0


def test_the_openapi_document_describes_the_webhook_and_ledger_routes(goal):
    paths = goal.get("/openapi.json").json()["paths"]
    assert {"/v1/webhooks/generic", "/v1/imports", "/v1/ledger/events", "/v1/ledger/head", "/health", "/ready"} <= set(
        paths
    )
    body = paths["/v1/webhooks/generic"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/cloudevents+json", "application/cloudevents-batch+json"}
