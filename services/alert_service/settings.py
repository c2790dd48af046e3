"""alert_service's settings: those of a ledger follower, where sealed appraisals come from, and how outbound
deliveries are retried."""

from __future__ import annotations

from pydantic import Field

from shared.platform.settings import FollowerSettings

SERVICE_NAME = "alert_service"
DEFAULT_PORT = 8003


class AlertSettings(FollowerSettings):
    scoring_service_url: str | None = Field(
        None, description="scoring_service, whose sealed appraisals the score rules judge; unset, they judge none."
    )
    delivery_retry_seconds: float = Field(
        5.0, gt=0, le=3600, description="The first retry's delay; each further retry waits twice as long."
    )
    feed_streams_per_token: int = Field(
        5, ge=1, le=1000, description="Live feeds one token may hold open at once (429 past it)."
    )
    delivery_attempts: int = Field(
        8, ge=1, le=30, description="Attempts before a delivery is dead-lettered (then redelivered by hand)."
    )
