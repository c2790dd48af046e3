"""scoring_service's read model: goal_service's ledger followed over HTTP into the ledger views."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.scoring_service.settings import SERVICE_NAME, ScoringSettings
from shared.ledger_views.followed import FollowedLedger
from shared.ledger_views.tables import tracking
from shared.log_client import LedgerFollower
from shared.projection import ProjectionRunner, Projections
from shared.readmodel import create_read_model_engine, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
LONG_POLL_SECONDS = 2.0  # an idle follower asks again this often; new entries arrive at once


def open_projections(settings: ScoringSettings) -> tuple[Projections, LedgerFollower]:
    """The read model, migrated, with its runner following goal_service (not yet started)."""
    engine = create_read_model_engine(settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)
    follower = LedgerFollower(
        settings.goal_service_url, settings.ledger_token.get_secret_value(), wait_seconds=LONG_POLL_SECONDS
    )
    runner = ProjectionRunner(
        FollowedLedger(), engine, tracking, lambda after, limit: follower.read_page(after, wait=LONG_POLL_SECONDS)
    )

    def upstream_head() -> int:
        try:
            return follower.head().position
        except httpx.HTTPError:  # goal_service away: report what is held; the runner's error says why
            return runner.tracked().position

    return Projections(engine, [runner], head=upstream_head), follower
