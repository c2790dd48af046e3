"""scoring_service follows goal_service's ledger over HTTP holding goal_service's latest signed checkpoint in
its own database: a page that contradicts it is refused, nothing of it absorbed, and GET /v1/projections
says why; also when goal_service itself has lost every copy of its checkpoints."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from services.goal_service.app import create_app as create_goal_app
from services.goal_service.settings import GoalSettings
from services.scoring_service.app import create_app as create_scoring_app
from services.scoring_service.projections import MIGRATIONS
from services.scoring_service.settings import SERVICE_NAME, ScoringSettings
from shared.kernel.ledger_views.checkpoints import CheckpointRefused, CheckpointWatch
from shared.kernel.ledger_views.followed import FollowedLedger
from shared.kernel.ledger_views.tables import tracking
from shared.platform.http_client import http_client
from shared.platform.log_client import LedgerFollower
from shared.platform.projection import ProjectionRunner
from shared.platform.readmodel import create_read_model_engine, migrate
from tests.scenarios.scoring import caught_up, deal
from tests.scenarios.tamperer import Tamperer
from tests.support import ZONE, auth, follower_settings, serve_in_thread, signed_post

ADMIN = auth("t-admin")


@contextmanager
def services(goal_settings: GoalSettings, storage_env, monkeypatch) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """goal_service, and scoring_service following it on its own database (the same one at every start)."""
    with serve_in_thread(create_goal_app(goal_settings)) as goal_url, http_client(base_url=goal_url) as goal:
        settings = follower_settings(ScoringSettings, "scoring", goal_url, storage_env, monkeypatch)
        scoring_app = create_scoring_app(settings)
        with serve_in_thread(scoring_app) as url, http_client(base_url=url, timeout=30) as scoring:
            yield goal, scoring


def record(goal: httpx.Client, first: int, last: int) -> None:
    for n in range(first, last + 1):  # one commit group, and one checkpoint, each
        assert signed_post(goal, deal(f"d-{n}", "r-1", "100", "2026-11-03")).status_code == 201


def refusal(scoring: httpx.Client, seconds: float = 30) -> dict:
    """The ledger projection's status once it reports an error."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        (status,) = scoring.get("/v1/projections", headers=ADMIN).json()
        if status["error"]:
            return status
        time.sleep(0.05)
    raise AssertionError(f"scoring_service reported no error: {status}")


def test_a_stretch_rewritten_while_scoring_was_behind_is_refused_against_the_signed_checkpoint(
    goal_settings, storage_env, monkeypatch
):
    with services(goal_settings, storage_env, monkeypatch) as (goal, scoring):
        record(goal, 1, 3)
        caught_up(scoring, 3)
    with serve_in_thread(create_goal_app(goal_settings)) as goal_url, http_client(base_url=goal_url) as goal:
        record(goal, 4, 6)  # scoring_service is down meanwhile
    Tamperer(storage_env).rewrite(5, lambda entry: entry["data"].update(amount="100000000"))
    with services(goal_settings, storage_env, monkeypatch) as (goal, scoring):
        status = refusal(scoring)
        assert status["position"] == 3  # nothing of the page absorbed
        assert status["error"].startswith("CheckpointRefused: goal_service's entry at position 6 (hash ")
        assert "contradicts the checkpoint signed there" in status["error"]
        assert "which scoring_service holds" in status["error"]


def test_scoring_holds_its_checkpoint_when_goal_service_has_lost_every_copy(goal_settings, storage_env, monkeypatch):
    with services(goal_settings, storage_env, monkeypatch) as (goal, scoring):
        record(goal, 1, 5)
        caught_up(scoring, 5)
    # A tamperer with the database and the data directory: a rewritten stretch, and no checkpoint left behind.
    tamperer = Tamperer(storage_env)
    tamperer.rewrite(3, lambda entry: entry["data"].update(amount="100000000"))
    tamperer.delete_checkpoints()
    tamperer.delete_witness()
    with services(goal_settings, storage_env, monkeypatch) as (goal, scoring):
        assert goal.get("/ready").status_code == 200  # goal_service has nothing left to know it by
        status = refusal(scoring)
        assert status["position"] == 5
        assert status["error"].startswith("CheckpointRefused: goal_service's entry at position 5 (hash ")
        assert "contradicts the checkpoint signed there" in status["error"]


def test_a_checkpoint_signed_by_a_key_scoring_was_not_told_to_trust_is_refused(goal_settings, storage_env, monkeypatch):
    monkeypatch.setenv("PERFLEDGER_LEDGER_CHECKPOINT_KEYS", base64.b64encode(bytes(32)).decode())  # not goal's key
    with services(goal_settings, storage_env, monkeypatch) as (goal, scoring):
        record(goal, 1, 2)
        status = refusal(scoring)
        assert status["position"] == 0
        assert "which PERFLEDGER_LEDGER_CHECKPOINT_KEYS does not list" in status["error"]


def test_a_follower_pages_behind_absorbs_no_entry_of_a_rewritten_stretch(goal_settings, storage_env, monkeypatch):
    with serve_in_thread(create_goal_app(goal_settings)) as goal_url, http_client(base_url=goal_url) as goal:
        record(goal, 1, 6)
        Tamperer(storage_env).rewrite(3, lambda entry: entry["data"].update(amount="100000000"))
        settings = follower_settings(ScoringSettings, "scoring", goal_url, storage_env, monkeypatch)
        engine = create_read_model_engine(settings, SERVICE_NAME)
        migrate(engine, MIGRATIONS)
        follower = LedgerFollower(goal_url, "t-service", page_size=2)  # three pages behind the checkpoint at 6
        watch = CheckpointWatch(engine, follower, [], "scoring_service")
        runner = ProjectionRunner(
            FollowedLedger(ZONE), engine, tracking, lambda after, limit: watch.read_page(after, 0)
        )
        assert runner.run_once() == 2  # 1-2, vouched for by the checkpoint at 2
        with pytest.raises(CheckpointRefused, match=r"entry at position 4 .* contradicts the checkpoint signed there"):
            runner.run_once()  # 3-4 chain from 2 as rewritten, but the page's own checkpoint at 4 says otherwise
        assert runner.tracked().position == 2
        follower.close()
        engine.dispose()
