"""One token holds at most PERFLEDGER_FEED_STREAMS_PER_TOKEN live feeds open at once: one more is a 429 problem
with Retry-After, another token is not held back, and a feed closed frees its place."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from services.alert_service.app import create_app
from services.alert_service.settings import AlertSettings
from tests.support import auth, serve_in_thread

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # counted before storage is touched


@pytest.fixture
def alert_url(alert_settings: AlertSettings) -> Iterator[str]:
    with serve_in_thread(create_app(alert_settings.model_copy(update={"feed_streams_per_token": 1}))) as url:
        yield url


def test_one_feed_a_token_then_429_until_it_closes(alert_url):
    feed = f"{alert_url}/v1/warnings/feed"
    with httpx.stream("GET", feed, headers=auth("t-admin"), timeout=10) as first:
        assert first.status_code == 200
        second = httpx.get(feed, headers=auth("t-admin"), timeout=10)
        assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
        assert second.headers["content-type"] == "application/problem+json"
        with httpx.stream("GET", feed, headers=auth("t-hr"), timeout=10) as other:
            assert other.status_code == 200
    deadline = time.monotonic() + 10
    while True:  # the server notices the closed feed at its next poll
        with httpx.stream("GET", feed, headers=auth("t-admin"), timeout=10) as again:
            if again.status_code == 200:
                break
        assert time.monotonic() < deadline, "the closed feed kept its place"
        time.sleep(0.2)
