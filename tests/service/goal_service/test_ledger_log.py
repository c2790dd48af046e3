"""The ledger's log over HTTP: who may read it, paging in position order with the chain, and long polls."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from shared.platform.canonical import GENESIS_HASH
from shared.platform.chain import ChainedEntry, ChainHead, verify_chain
from shared.platform.http_client import http_client
from tests.support import auth, cloudevent, signed_post


def calls(n: int) -> list[dict]:
    return [cloudevent("call.logged", {"rep_id": "r-1", "customer_id": f"c-{i}"}) for i in range(n)]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (auth("nobody"), 401),
        (auth("t-rep"), 403),
        (auth("t-manager"), 403),
        (auth("t-service"), 200),
        (auth("t-auditor"), 200),
        (auth("t-admin"), 200),
    ],
)
def test_only_service_auditor_and_admin_tokens_read_the_ledger(goal, headers, status):
    for path in ("/v1/ledger/events", "/v1/ledger/head"):
        response = goal.get(path, headers=headers)
        assert response.status_code == status, (path, response.text)
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.headers["content-type"].startswith("application/problem+json")


def test_pages_follow_each_other_and_carry_a_verifiable_chain(goal):
    signed_post(goal, calls(25))
    pages, after = [], 0
    while True:
        page = goal.get("/v1/ledger/events", params={"after": after, "limit": 10}, headers=auth("t-service")).json()
        if not page["events"]:
            break
        pages.append(page)
        after = page["events"][-1]["position"]
    assert [len(p["events"]) for p in pages] == [10, 10, 5]
    assert pages[0]["previous_hash"] == GENESIS_HASH
    for earlier, later in itertools.pairwise(pages):
        assert later["previous_hash"] == earlier["events"][-1]["hash"]
    entries = [e for p in pages for e in p["events"]]
    assert [e["position"] for e in entries] == list(range(1, 26))
    head = verify_chain(ChainedEntry(e["position"], e["entry"], e["hash"]) for e in entries)
    assert head == ChainHead(25, pages[-1]["head"]["hash"])


def test_entries_keep_business_time_and_recording_time_apart(goal):
    signed_post(
        goal, cloudevent("visit.completed", {"rep_id": "r-1", "customer_id": "c-1"}, time_="2026-01-31T23:30:00+08:00")
    )
    entry = goal.get("/v1/ledger/events", headers=auth("t-service")).json()["events"][0]["entry"]
    assert entry["occurred_at"] == "2026-01-31T15:30:00.000000Z"
    assert entry["recorded_at"].startswith("20") and entry["recorded_at"].endswith("Z")
    assert entry["recorded_at"] != entry["occurred_at"]


@pytest.mark.parametrize("params", [{"after": -1}, {"limit": 0}, {"limit": 1001}, {"wait": 31}, {"after": "x"}])
def test_bad_paging_parameters_are_422_naming_the_parameter(goal, params):
    response = goal.get("/v1/ledger/events", params=params, headers=auth("t-service"))
    assert response.status_code == 422
    (name,) = params
    assert response.json()["errors"][0]["pointer"] == f"query:{name}"


def test_a_long_poll_returns_as_soon_as_an_entry_commits(goal, goal_url):
    signed_post(goal, calls(1))

    def post_later() -> None:
        time.sleep(0.5)
        with http_client(base_url=goal_url) as client:
            signed_post(client, calls(1))

    poster = threading.Thread(target=post_later)
    started = time.monotonic()
    poster.start()
    page = goal.get("/v1/ledger/events", params={"after": 1, "wait": 10}, headers=auth("t-service")).json()
    waited = time.monotonic() - started
    poster.join()
    assert [e["position"] for e in page["events"]] == [2]
    assert 0.4 < waited < 5


def test_a_long_poll_with_nothing_new_answers_empty_after_its_wait(goal):
    started = time.monotonic()
    page = goal.get("/v1/ledger/events", params={"after": 0, "wait": 0.6}, headers=auth("t-service")).json()
    assert page["events"] == [] and page["head"]["position"] == 0
    assert time.monotonic() - started >= 0.6
