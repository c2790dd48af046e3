"""A following service's read model: goal_service's ledger followed over HTTP into the ledger views of the
service's own database, with a long poll, so new entries arrive at once and an idle follower costs little."""

from __future__ import annotations

from pathlib import Path

import httpx

from shared.ledger_views.followed import FollowedLedger
from shared.ledger_views.tables import tracking
from shared.log_client import LedgerFollower
from shared.projection import ProjectionRunner, Projections
from shared.readmodel import create_read_model_engine, migrate
from shared.settings import FollowerSettings

LONG_POLL_SECONDS = 2.0  # an idle follower asks again this often


def follow_ledger(
    settings: FollowerSettings, service_name: str, migrations: Path
) -> tuple[Projections, LedgerFollower]:
    """The read model, migrated to the service's `migrations`, with its runner (not yet started)."""
    engine = create_read_model_engine(settings, service_name)
    migrate(engine, migrations)
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
