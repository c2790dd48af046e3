"""Each sender gets its share (OWASP API4): a CRM source, a webhook peer and an import token each sustain
PERFLEDGER_RATE_LIMIT_PER_SECOND with bursts of PERFLEDGER_RATE_LIMIT_BURST; past it, a 429 problem with
Retry-After, before the body is read, and another sender is not held back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from shared.platform.http_client import http_client
from tests.support import auth, serve_in_thread, signed_post

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # counted before storage is touched
NDJSON = {"content-type": "application/x-ndjson"}


@pytest.fixture
def goal(goal_settings: GoalSettings, monkeypatch) -> Iterator:
    monkeypatch.setenv("PERFLEDGER_RATE_LIMIT_PER_SECOND", "0.01")  # one request a hundred seconds
    monkeypatch.setenv("PERFLEDGER_RATE_LIMIT_BURST", "2")
    with serve_in_thread(create_app(GoalSettings())) as url, http_client(base_url=url, timeout=30) as client:
        yield client


def assert_throttled(answer) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert 1 <= int(answer.headers["retry-after"]) <= 100


def test_each_sender_is_throttled_past_its_burst_and_no_other_is(goal):
    for _ in range(2):
        assert (
            goal.post("/v1/webhooks/crm/jdy", content=b"{}", headers={"content-type": "application/json"}).status_code
            == 404
        )
    assert_throttled(goal.post("/v1/webhooks/crm/jdy", content=b"{}", headers={"content-type": "application/json"}))
    assert (
        goal.post("/v1/webhooks/crm/hubspot", content=b"{}", headers={"content-type": "application/json"}).status_code
        == 404
    )

    for _ in range(2):
        assert goal.post("/v1/imports", content=b"", headers={**NDJSON, **auth("t-service")}).status_code == 200
    assert_throttled(goal.post("/v1/imports", content=b"", headers={**NDJSON, **auth("t-service")}))
    assert goal.post("/v1/imports", content=b"", headers={**NDJSON, **auth("t-admin")}).status_code == 200

    for _ in range(2):
        assert signed_post(goal, []).status_code != 429
    assert_throttled(signed_post(goal, []))
