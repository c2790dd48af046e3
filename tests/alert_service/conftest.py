"""alert_service served over real HTTP beside a real goal_service, each on its own database (on
PostgreSQL, its own schema), following goal_service's ledger; retries are quick so tests see them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.alert_service.app import create_app
from services.alert_service.settings import AlertSettings
from tests.support import serve_in_thread


@pytest.fixture
def alert_settings(goal_url: str, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> AlertSettings:
    monkeypatch.setenv("PERFLEDGER_GOAL_SERVICE_URL", goal_url)
    monkeypatch.setenv("PERFLEDGER_LEDGER_TOKEN", "t-service")
    monkeypatch.setenv("PERFLEDGER_DELIVERY_RETRY_SECONDS", "0.05")
    monkeypatch.setenv("PERFLEDGER_DELIVERY_ATTEMPTS", "4")
    if "PERFLEDGER_DATABASE_SCHEMA" in storage_env:
        monkeypatch.setenv("PERFLEDGER_DATABASE_SCHEMA", storage_env["PERFLEDGER_DATABASE_SCHEMA"] + "_alert")
    return AlertSettings()


@pytest.fixture
def alert(alert_settings: AlertSettings) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(alert_settings)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client
