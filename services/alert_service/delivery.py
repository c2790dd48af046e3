"""Outbound notifications: every warning event goes, as a signed Standard Webhooks request, to each active
subscription that asked for its type. Deliveries are made from the event store's notifications in order,
in one transaction with the position they came from, so none is made twice or missed; a failed attempt is
retried with exponential backoff, and after the last attempt the delivery is dead-lettered until an admin
redelivers it. A receiver dedupes on webhook-id, which stays the same across attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import Engine, insert, select, update
from standardwebhooks.webhooks import Webhook

from services.alert_service.application import AlertApplication
from services.alert_service.tables import deliveries, outbound_position
from shared.platform.canonical import canonical_json, format_timestamp
from shared.platform.errors import Conflict, NotFound

log = structlog.get_logger("alert_service")
LONGEST_WAIT = timedelta(hours=1)
SEND_TIMEOUT_SECONDS = 10.0
BATCH = 100


def now() -> datetime:
    return datetime.now(UTC)


def delivery_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "subscription_id": row.subscription_id,
        "notification_id": row.notification_id,
        "event_type": row.event_type,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_status": row.last_status,
        "last_error": row.last_error,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
    }


class Dispatcher:
    def __init__(self, app: AlertApplication, engine: Engine, retry_seconds: float, attempts: int):
        self.app = app
        self.engine = engine
        self.retry = timedelta(seconds=retry_seconds)
        self.attempts = attempts
        self.client = httpx.Client(timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def enqueue(self) -> int:
        """Turn warning events not yet seen into deliveries; how many events were read."""
        with self.engine.connect() as connection:
            seen = connection.execute(select(outbound_position.c.notification_id)).scalar_one()
        if not self.app.warning_events(seen, 1):
            return 0  # nothing new: no write lock taken, twice a second, for nothing
        with self.engine.begin() as connection:
            # Writing first takes the lock (SQLite's database, PostgreSQL's row): one enqueuer at a time.
            connection.execute(update(outbound_position).values(notification_id=outbound_position.c.notification_id))
            after = connection.execute(select(outbound_position.c.notification_id)).scalar_one()
            events = self.app.warning_events(after, BATCH)
            if not events:
                return 0
            subscriptions = [s for s in self.app.subscriptions() if s.active]
            at = format_timestamp(now())
            rows = []
            for notification_id, event_type, warning in events:
                body = canonical_json(
                    {"type": event_type, "notification_id": notification_id, "data": warning.as_dict()}
                )
                for subscription in subscriptions:
                    if subscription.events and event_type not in subscription.events:
                        continue
                    rows.append(
                        {
                            "id": f"msg_{notification_id}_{subscription.subscription_id}",
                            "subscription_id": subscription.subscription_id,
                            "notification_id": notification_id,
                            "event_type": event_type,
                            "payload": body.decode(),
                            "state": "pending",
                            "attempts": 0,
                            "next_attempt_at": at,
                            "created_at": at,
                        }
                    )
            if rows:
                connection.execute(insert(deliveries), rows)
            connection.execute(update(outbound_position).values(notification_id=events[-1][0]))
            return len(events)

    def send_due(self) -> int:
        """Attempt every delivery that is due; how many were attempted."""
        query = (
            select(deliveries)
            .where(deliveries.c.state == "pending", deliveries.c.next_attempt_at <= format_timestamp(now()))
            .order_by(deliveries.c.notification_id, deliveries.c.id)
            .limit(BATCH)
        )
        with self.engine.connect() as connection:
            due = connection.execute(query).all()
        if not due:
            return 0
        secrets = {s.subscription_id: s for s in self.app.subscriptions()}
        for row in due:
            self._attempt(row, secrets.get(row.subscription_id))
        return len(due)

    def _attempt(self, row: Any, subscription: Any) -> None:
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
        if error is None:
            changes.update(state="delivered", delivered_at=format_timestamp(now()))
        elif attempts >= self.attempts:
            changes["state"] = "dead"
            log.warning("delivery dead-lettered", delivery=row.id, attempts=attempts, error=error)
        else:
            wait = min(self.retry * 2 ** (attempts - 1), LONGEST_WAIT)
            changes["next_attempt_at"] = format_timestamp(now() + wait)
        with self.engine.begin() as connection:
            connection.execute(update(deliveries).where(deliveries.c.id == row.id).values(**changes))

    # --- for admins ------------------------------------------------------------------------------------------

    def listing(self, state: str | None, subscription_id: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(deliveries).order_by(deliveries.c.notification_id, deliveries.c.id).limit(limit)
        if state is not None:
            query = query.where(deliveries.c.state == state)
        if subscription_id is not None:
            query = query.where(deliveries.c.subscription_id == subscription_id)
        with self.engine.connect() as connection:
            return [delivery_out(row) for row in connection.execute(query)]

    def one(self, delivery_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
        if row is None:
            raise NotFound(f"no delivery {delivery_id}")
        return delivery_out(row)

    def redeliver(self, delivery_id: str) -> dict[str, Any]:
        """Send a dead-lettered (or delivered) delivery again, with a fresh set of attempts."""
        found = self.one(delivery_id)
        if found["state"] == "pending":
            raise Conflict(f"delivery {delivery_id} is still pending; it is retried by itself")
        with self.engine.begin() as connection:
            connection.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id)
                .values(state="pending", attempts=0, next_attempt_at=format_timestamp(now()), delivered_at=None)
            )
        return self.one(delivery_id)
