"""Every storage-touching test runs twice: on a SQLite file and on PostgreSQL. PostgreSQL gets a fresh
database per test run (a schema per test inside it); an absent server fails the run unless
PERFLEDGER_TEST_SKIP_PG=1. goal_service and scoring_service are served over real HTTP for the tests of
every service that follows them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from services.scoring_service.app import create_app as create_scoring_app
from services.scoring_service.settings import ScoringSettings
from shared.platform.http_client import http_client
from tests.support import SECRET, SWITCHBOARDS, TOKENS, follower_settings, serve_in_thread

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
