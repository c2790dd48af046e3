"""Every storage-touching test runs twice: on a SQLite file and on PostgreSQL. PostgreSQL gets a fresh
database per test run (a schema per test inside it); an absent server fails the run unless
PERFLEDGER_TEST_SKIP_PG=1. The services are served over real HTTP, each on its own database (on PostgreSQL,
its own schema), scoring_service and alert_service following goal_service's ledger; and the scenarios
most tests start from: the company's Q4 goal, the quarter it is tracked in, the CRM sources."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from services.alert_service.app import create_app as create_alert_app
from services.alert_service.settings import AlertSettings
from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from services.scoring_service.app import create_app as create_scoring_app
from services.scoring_service.settings import ScoringSettings
from shared.platform.http_client import http_client
from tests.scenarios.crm_sources import HUBSPOT, JIANDAOYUN, SALESFORCE, write_source
from tests.scenarios.goal import HR, ORG_CSV, deal, import_csv
from tests.support import SECRET, SWITCHBOARDS, TOKENS, auth, follower_settings, serve_in_thread, signed_post

PG_SERVER = os.environ.get("PERFLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SKIP_PG = os.environ.get("PERFLEDGER_TEST_SKIP_PG") == "1"
BACKENDS = ["sqlite"] if SKIP_PG else ["sqlite", "postgres"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: on several workers (make test), the rest fill in around them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_sessionfinish() -> None:
    for board in SWITCHBOARDS:
        board.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards; its SQLAlchemy URL."""
    name = f"perfledger_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_SERVER} ({error}); set PERFLEDGER_TEST_SKIP_PG=1 to run SQLite only"
        )
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and SKIP_PG:
        pytest.skip("PERFLEDGER_TEST_SKIP_PG=1")
    return request.param


@pytest.fixture
def storage_env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """PERFLEDGER_* storage settings for one test: its own SQLite directory, or its own PostgreSQL schema."""
    env = {"PERFLEDGER_DATA_DIR": str(tmp_path / "data")}
    if backend == "postgres":
        env["PERFLEDGER_DATABASE_URL"] = request.getfixturevalue("pg_database")
        env["PERFLEDGER_DATABASE_SCHEMA"] = f"t_{uuid.uuid4().hex[:12]}"
        env["PERFLEDGER_DATABASE_POOL_SIZE"] = "2"  # several test workers share the server's 100 connections
    return env


@pytest.fixture
def goal_settings(storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> GoalSettings:
    quiet = {"PERFLEDGER_LOG_LEVEL": "WARNING"}
    for key, value in {
        **storage_env,
        **quiet,
        "PERFLEDGER_WEBHOOK_SECRET": SECRET,
        "PERFLEDGER_API_TOKENS": TOKENS,
        "PERFLEDGER_ALLOW_STATIC_TOKENS": "true",
    }.items():
        monkeypatch.setenv(key, value)
    return GoalSettings()


@pytest.fixture
def goal_url(goal_settings: GoalSettings) -> Iterator[str]:
    """goal_service served over real HTTP on this test's storage."""
    with serve_in_thread(create_app(goal_settings)) as url:
        yield url


@pytest.fixture
def goal(goal_url: str) -> Iterator[httpx.Client]:
    with http_client(base_url=goal_url, timeout=30) as client:
        yield client


@pytest.fixture
def scoring_settings(goal_url: str, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> ScoringSettings:
    return follower_settings(ScoringSettings, "scoring", goal_url, storage_env, monkeypatch)


@pytest.fixture
def scoring(scoring_settings: ScoringSettings) -> Iterator[httpx.Client]:
    with serve_in_thread(create_scoring_app(scoring_settings)) as url, http_client(base_url=url, timeout=60) as client:
        yield client


# alert_service's retries are quick, so that tests see them.
@pytest.fixture
def alert_settings(goal_url: str, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> AlertSettings:
    monkeypatch.setenv("PERFLEDGER_LEDGER_TOKEN", "t-service")
    monkeypatch.setenv("PERFLEDGER_DELIVERY_RETRY_SECONDS", "0.05")
    monkeypatch.setenv("PERFLEDGER_DELIVERY_ATTEMPTS", "4")
    return follower_settings(AlertSettings, "alert", goal_url, storage_env, monkeypatch)


@pytest.fixture
def alert(alert_settings: AlertSettings) -> Iterator[httpx.Client]:
    with serve_in_thread(create_alert_app(alert_settings)) as url, http_client(base_url=url, timeout=60) as client:
        yield client


@pytest.fixture
def crm(goal, goal_settings):
    """goal_service with the organisation and three CRM sources: jdy (简道云), hubspot and sf (Salesforce)."""
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    write_source(goal_settings.crm_sources, "jdy", JIANDAOYUN)
    write_source(goal_settings.crm_sources, "hubspot", HUBSPOT)
    write_source(goal_settings.crm_sources, "sf", SALESFORCE)
    return goal


@pytest.fixture
def company_goal(goal):
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    response = goal.post(
        "/v1/goals",
        json={
            "goal_id": "q4",
            "metric": "revenue_won",
            "owner": {"kind": "company", "id": "acme"},
            "period": "2026-Q4",
            "target": "3000000",
            "currency": "CNY",
            "description": "Q4 revenue 3M",
            "sub_targets": [
                {
                    "description": "product A at least 60%",
                    "part": {"measure": "revenue_won", "product": "A"},
                    "whole": {"measure": "revenue_won"},
                    "at_least_percent": "60",
                }
            ],
        },
        headers=HR,
    )
    assert response.status_code == 201, response.text
    return goal


@pytest.fixture
def quarter(company_goal):
    goal = company_goal  # the organisation, and the company's Q4 goal with its product A sub-target
    assert goal.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
    goal.post(
        "/v1/goals/q4/decomposition",
        json={
            "method": "even",
            "children": [
                {"owner": {"kind": "unit", "id": "east"}, "goal_id": "east"},
                {"owner": {"kind": "unit", "id": "west"}, "goal_id": "west"},
            ],
        },
        headers=HR,
    )
    goal.post(
        "/v1/goals/east/decomposition",
        json={
            "method": "even",
            "children": [
                {"owner": {"kind": "rep", "id": "r-1"}, "goal_id": "r-1"},
                {"owner": {"kind": "rep", "id": "r-2"}, "goal_id": "r-2"},
            ],
        },
        headers=HR,
    )
    assert (
        signed_post(
            goal,
            [
                deal("d1", "r-1", "600000.00", "2026-10-12", "A"),
                deal("d2", "r-2", "400000.00", "2026-10-13", "B"),
                deal("d3", "r-1", "100000.00", "2026-10-20", "A"),
            ],
        ).status_code
        == 201
    )
    projected(goal)
    return goal


def projected(goal: httpx.Client, seconds: float = 30) -> None:
    """Wait until goal_service's projections hold its head: a figure read sooner may answer, after its own
    short wait, as known at an earlier position (as documented), which a loaded test machine can reach."""
    deadline = time.monotonic() + seconds
    while any(p["lag"] for p in goal.get("/v1/projections", headers=auth("t-admin")).json()):
        assert time.monotonic() < deadline, "goal_service's projections did not reach its head"
        time.sleep(0.05)
