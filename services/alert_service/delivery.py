"""Outbound notifications: every warning event and every step of an appeal goes, as a signed Standard Webhooks
request, to each active subscription that asked for its type. Deliveries are made from the event store's
notifications in order, in one transaction with the position they came from, so none is made twice or
missed; a failed attempt is retried with exponential backoff, and after the last attempt the delivery is
dead-lettered until an admin redelivers it. A receiver dedupes on webhook-id, which stays the same across
attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import Engine, Row, insert, select, update
from standardwebhooks.webhooks import Webhook

from services.alert_service.api.schemas import event_data
from services.alert_service.application import AlertApplication
from services.alert_service.domain.aggregates import Subscription
from services.alert_service.domain.delivery import Delivery, DeliveryState, retry_after
from services.alert_service.domain.errors import DeliveryNotFound
from services.alert_service.tables import deliveries, outbound_position
from shared.platform.canonical import canonical_json, format_timestamp
from shared.platform.http_client import http_client

log = structlog.get_logger("alert_service")
SEND_TIMEOUT_SECONDS = 10.0
BATCH = 100


def now() -> datetime:
    return datetime.now(UTC)


def delivery_of(row: Row[Any]) -> Delivery:
    return Delivery(
        row.id,
        row.subscription_id,
        row.notification_id,
        row.event_type,
        DeliveryState(row.state),
        row.attempts,
        row.next_attempt_at,
        row.last_status,
        row.last_error,
        row.created_at,
        row.delivered_at,
    )


class Dispatcher:
    def __init__(self, app: AlertApplication, engine: Engine, retry_seconds: float, attempts: int):
        self.app = app
        self.engine = engine
        self.retry = timedelta(seconds=retry_seconds)
        self.attempts = attempts
        self.client = http_client(timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def enqueue(self) -> int:
        """Turn warning events and appeal steps not yet seen into deliveries; how many events were read."""
        with self.engine.connect() as connection:
            seen = connection.execute(select(outbound_position.c.notification_id)).scalar_one()
        if not self.app.published_events(seen, 1):
            return 0  # nothing new: no write lock taken, twice a second, for nothing
        with self.engine.begin() as connection:
            # Writing first takes the lock (SQLite's database, PostgreSQL's row): one enqueuer at a time.
            connection.execute(update(outbound_position).values(notification_id=outbound_position.c.notification_id))
            after = connection.execute(select(outbound_position.c.notification_id)).scalar_one()
            events = self.app.published_events(after, BATCH)
            if not events:
                return 0
            subscriptions = [s for s in self.app.subscriptions() if s.active]
            at = format_timestamp(now())
            rows = []
            for event in events:
                message = {"type": event.type.value, "notification_id": event.notification_id}
                body = canonical_json({**message, "data": event_data(event)})
                rows += [
                    {
                        "id": f"msg_{event.notification_id}_{subscription.subscription_id}",
                        "subscription_id": subscription.subscription_id,
                        "notification_id": event.notification_id,
                        "event_type": event.type.value,
                        "payload": body.decode(),
                        "state": DeliveryState.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": at,
                        "created_at": at,
                    }
                    for subscription in subscriptions
                    if subscription.wants(event.type)
                ]
            if rows:
                connection.execute(insert(deliveries), rows)
            connection.execute(update(outbound_position).values(notification_id=events[-1].notification_id))
            return len(events)

    def send_due(self) -> int:
        """Attempt every delivery that is due; how many were attempted."""
        query = (
            select(deliveries)
            .where(
                deliveries.c.state == DeliveryState.PENDING.value,
                deliveries.c.next_attempt_at <= format_timestamp(now()),
            )
            .order_by(deliveries.c.notification_id, deliveries.c.id)
            .limit(BATCH)
        )
        with self.engine.connect() as connection:
            due = connection.execute(query).all()
        if not due:
            return 0
        subscriptions = {s.subscription_id: s for s in self.app.subscriptions()}
        for row in due:
            self._attempt(row, subscriptions.get(row.subscription_id))
        return len(due)

    def _attempt(self, row: Row[Any], subscription: Subscription | None) -> None:
        attempts = row.attempts + 1
        status, error = None, None
        if subscription is None or not subscription.active:
            error = "the subscription is disabled"
        else:
            sent_at = now()
            headers = {
                "content-type": "application/json",
                "webhook-id": row.id,
                "webhook-timestamp": str(int(sent_at.timestamp())),
                "webhook-signature": Webhook(subscription.secret).sign(row.id, sent_at, row.payload),
            }
            try:
                response = self.client.post(subscription.url, content=row.payload.encode(), headers=headers)
                status = response.status_code
                error = None if response.is_success else f"answered {status}"
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}"
        changes: dict[str, Any] = {"attempts": attempts, "last_status": status, "last_error": error}
        wait = retry_after(attempts, self.attempts, self.retry)
        if error is None:
            changes.update(state=DeliveryState.DELIVERED.value, delivered_at=format_timestamp(now()))
        elif wait is None:
            changes["state"] = DeliveryState.DEAD.value
            log.warning("delivery dead-lettered", delivery=row.id, attempts=attempts, error=error)
        else:
            changes["next_attempt_at"] = format_timestamp(now() + wait)
        with self.engine.begin() as connection:
            connection.execute(update(deliveries).where(deliveries.c.id == row.id).values(**changes))

    # --- for admins ------------------------------------------------------------------------------------------

    def listing(self, state: DeliveryState | None, subscription_id: str | None, limit: int) -> list[Delivery]:
        query = select(deliveries).order_by(deliveries.c.notification_id, deliveries.c.id).limit(limit)
        if state is not None:
            query = query.where(deliveries.c.state == state.value)
        if subscription_id is not None:
            query = query.where(deliveries.c.subscription_id == subscription_id)
        with self.engine.connect() as connection:
            return [delivery_of(row) for row in connection.execute(query)]

    def one(self, delivery_id: str) -> Delivery:
        with self.engine.connect() as connection:
            row = connection.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
        if row is None:
            raise DeliveryNotFound(f"no delivery {delivery_id}")
        return delivery_of(row)

    def redeliver(self, delivery_id: str) -> Delivery:
        """Send a dead-lettered (or delivered) delivery again, with a fresh set of attempts."""
        self.one(delivery_id).check_redeliverable()
        with self.engine.begin() as connection:
            connection.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id)
                .values(
                    state=DeliveryState.PENDING.value,
                    attempts=0,
                    next_attempt_at=format_timestamp(now()),
                    delivered_at=None,
                )
            )
        return self.one(delivery_id)
