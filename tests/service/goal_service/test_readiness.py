"""/ready answers 503 within a second while the database does not answer, however long a connection attempt to
it would wait, and 200 again once it does; /health stays a cheap 200 throughout. The answer names no host,
user or statement."""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from shared.platform.http_client import http_client
from tests.scenarios.network import Proxy
from tests.support import serve_in_thread

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # a database behind a network


@pytest.fixture
def behind_a_proxy(goal_settings: GoalSettings, storage_env, monkeypatch):
    url = urlsplit(storage_env["PERFLEDGER_DATABASE_URL"])
    proxy = Proxy(url.hostname or "127.0.0.1", url.port or 5432)
    netloc = url.netloc.rsplit(":", 1)[0] if url.port else url.netloc
    monkeypatch.setenv("PERFLEDGER_DATABASE_URL", urlunsplit(url._replace(netloc=f"{netloc}:{proxy.port}")))
    try:
        yield GoalSettings(), proxy
    finally:
        proxy.close()


def timed_get(client, path: str) -> tuple[float, int, dict]:
    started = time.monotonic()
    answer = client.get(path)
    return time.monotonic() - started, answer.status_code, answer.json()


def test_ready_answers_503_within_a_second_while_the_database_is_unreachable_and_200_after(behind_a_proxy):
    settings, proxy = behind_a_proxy
    with serve_in_thread(create_app(settings)) as url, http_client(base_url=url, timeout=30) as goal:
        assert goal.get("/ready").status_code == 200
        proxy.partition()
        for _ in range(3):  # probes keep coming; none waits on the one before
            seconds, status, body = timed_get(goal, "/ready")
            assert status == 503 and seconds < 1.5, (seconds, body)
            assert body["detail"] == "the database did not answer within 1 s"
            seconds, status, _ = timed_get(goal, "/health")
            assert status == 200 and seconds < 0.5
        proxy.heal()
        deadline = time.monotonic() + 15
        while timed_get(goal, "/ready")[1] != 200:
            assert time.monotonic() < deadline, "not ready again after the database came back"
            time.sleep(0.2)
