"""alert_service served over real HTTP beside a real goal_service, each on its own database (on
PostgreSQL, its own schema), following goal_service's ledger; retries are quick so tests see them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.alert_service.app import create_app
from services.alert_service.settings import AlertSettings
from shared.platform.http_client import http_client
from tests.support import follower_settings, serve_in_thread


@pytest.fixture
def alert_settings(goal_url: str, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> AlertSettings:
    monkeypatch.setenv("PERFLEDGER_LEDGER_TOKEN", "t-service")
    monkeypatch.setenv("PERFLEDGER_DELIVERY_RETRY_SECONDS", "0.05")
    monkeypatch.setenv("PERFLEDGER_DELIVERY_ATTEMPTS", "4")
    return follower_settings(AlertSettings, "alert", goal_url, storage_env, monkeypatch)


@pytest.fixture
def alert(alert_settings: AlertSettings) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(alert_settings)) as url, http_client(base_url=url, timeout=60) as client:
        yield client
