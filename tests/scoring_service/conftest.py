"""scoring_service served over real HTTP beside a real goal_service, each on its own database (on
PostgreSQL, its own schema), following goal_service's ledger."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.scoring_service.app import create_app
from services.scoring_service.settings import ScoringSettings
from tests.support import serve_in_thread


@pytest.fixture
def scoring_settings(goal_url: str, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> ScoringSettings:
    monkeypatch.setenv("PERFLEDGER_GOAL_SERVICE_URL", goal_url)
    monkeypatch.setenv("PERFLEDGER_LEDGER_TOKEN", "t-service")
    if "PERFLEDGER_DATABASE_SCHEMA" in storage_env:
        monkeypatch.setenv("PERFLEDGER_DATABASE_SCHEMA", storage_env["PERFLEDGER_DATABASE_SCHEMA"] + "_scoring")
    return ScoringSettings()


@pytest.fixture
def scoring(scoring_settings: ScoringSettings) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(scoring_settings)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client
