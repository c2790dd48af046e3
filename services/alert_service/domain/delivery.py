"""An outbound delivery of one warning event to one subscription: its states, and how a failed attempt is
retried (exponential backoff, at most an hour apart) until the last one dead-letters it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from services.alert_service.domain.errors import DeliveryStillPending

LONGEST_WAIT = timedelta(hours=1)


class DeliveryState(StrEnum):
    PENDING = "pending"  # sent again when due
    DELIVERED = "delivered"
    DEAD = "dead"  # every attempt failed: sent again only when an admin asks


@dataclass(frozen=True)
class Delivery:
    id: str  # also the webhook-id: the same on every attempt, so a receiver dedupes on it
    subscription_id: str
    notification_id: int
    event_type: str
    state: DeliveryState
    attempts: int
    next_attempt_at: str
    last_status: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None

    def check_redeliverable(self) -> None:
        if self.state is DeliveryState.PENDING:
            raise DeliveryStillPending(f"delivery {self.id} is still pending; it is retried by itself")


def retry_after(attempts: int, most_attempts: int, first_retry: timedelta) -> timedelta | None:
    """How long to wait after the `attempts`-th failed attempt; None when it was the last (dead-lettered)."""
    if attempts >= most_attempts:
        return None
    return min(first_retry * 2 ** (attempts - 1), LONGEST_WAIT)
