"""A following service's read model: goal_service's ledger followed over HTTP into the ledger views of the
service's own database, with a long poll, so new entries arrive at once and an idle follower costs little.
Every page is held against the signed checkpoint the service holds (see checkpoints.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx
import structlog

from shared.kernel.ledger_views.checkpoints import CheckpointWatch
from shared.kernel.ledger_views.followed import FollowedLedger
from shared.kernel.ledger_views.tables import skips, tracking
from shared.platform.log_client import LONG_POLL_SECONDS, LedgerFollower
from shared.platform.projection import Projection, ProjectionRunner, Projections
from shared.platform.readmodel import create_read_model_engine, migrate
from shared.platform.settings import FollowerSettings

log = structlog.get_logger("ledger_views")


def follow_ledger(
    settings: FollowerSettings, service_name: str, migrations: Path, own_parts: Sequence[Projection] = ()
) -> tuple[Projections, LedgerFollower]:
    """The read model, migrated to the service's `migrations`, with its runner (not yet started); `own_parts`
    are what the service keeps of each page beside the ledger views, in the same transaction."""
    engine = create_read_model_engine(settings, service_name)
    migrate(engine, migrations)
    token = settings.service_credential(service_name)
    follower = LedgerFollower(settings.goal_service_url, token, page_size=1000, wait_seconds=LONG_POLL_SECONDS)
    watch = CheckpointWatch(engine, follower, settings.ledger_checkpoint_keys, service_name)
    runner = ProjectionRunner(
        FollowedLedger(settings.zone, *own_parts),
        engine,
        tracking,
        lambda after, limit: watch.read_page(after, wait=LONG_POLL_SECONDS),
        skips=skips,
    )

    def upstream_head() -> int:
        try:
            return follower.head().position
        except httpx.HTTPError:  # goal_service away: report what is held; the runner's error says why
            return runner.tracked().position

    return Projections(engine, [runner], head=upstream_head, interrupt=follower.close), follower
