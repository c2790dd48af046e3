"""The log client follows a real goal_service over HTTP, checks the chain it reads, and rides out outages."""

from __future__ import annotations

import threading

import httpx
import pytest

from services.goal_service.app import create_app
from shared.platform.canonical import GENESIS_HASH
from shared.platform.chain import ChainHead
from shared.platform.http_client import http_client
from shared.platform.log_client import ChainMismatch, LedgerFollower
from tests.support import cloudevent, serve_in_thread, signed_post


def visits(n: int, start: int = 0) -> list[dict]:
    return [cloudevent("visit.completed", {"rep_id": "r-1", "customer_id": f"c-{i}"}) for i in range(start, start + n)]


def test_following_reads_every_entry_in_order_and_then_waits_for_more(goal, goal_url):
    signed_post(goal, visits(7))
    follower = LedgerFollower(goal_url, "t-service", page_size=3, wait_seconds=5)
    stop, seen = threading.Event(), []

    def follow() -> None:
        for entry in follower.follow(ChainHead(0, GENESIS_HASH), stop):
            seen.append(entry.position)
            if entry.position == 9:
                stop.set()

    reader = threading.Thread(target=follow)
    reader.start()
    signed_post(goal, visits(2, start=7))
    reader.join(20)
    follower.close()
    assert seen == list(range(1, 10))


def test_a_follower_holding_another_history_is_told(goal, goal_url):
    signed_post(goal, visits(3))
    follower = LedgerFollower(goal_url, "t-service")
    with pytest.raises(ChainMismatch, match="position 2"):
        follower.read_page(ChainHead(2, "f" * 64))
    assert [e.position for e in follower.read_page(2)] == [3]
    follower.close()


def test_a_follower_waits_out_an_outage_and_resumes(goal_settings):
    with serve_in_thread(create_app(goal_settings)) as url, http_client(base_url=url) as client:
        signed_post(client, visits(2))
    # The first three requests find nobody; then the service answers again and the follower carries on.
    stop, seen = threading.Event(), []
    attempts = iter(range(3))

    def follow() -> None:
        for entry in follower.follow(0, stop):
            seen.append(entry.position)
            if entry.position == 2:
                stop.set()

    with serve_in_thread(create_app(goal_settings)) as url:
        real = httpx.HTTPTransport()

        class FlakyThenReal(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if next(attempts, None) is not None:
                    raise httpx.ConnectError("upstream away")
                request.url = request.url.copy_with(port=httpx.URL(url).port)
                return real.handle_request(request)

        away = str(httpx.URL(url).copy_with(port=9))  # the same service, on a port nobody answers
        follower = LedgerFollower(away, "t-service", wait_seconds=1, transport=FlakyThenReal())
        reader = threading.Thread(target=follow)
        reader.start()
        reader.join(20)
    follower.close()
    assert seen == [1, 2]
