"""alert_service's own tables beside the ledger views: the ledger's corrections, the outbound deliveries,
and how far the event store's notifications have been turned into them. Changed only through migrations."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from shared.platform.projection import Position

metadata = MetaData()  # the ledger views' tables are shared.kernel.ledger_views.tables

# Each correction the ledger records, by its own type and the activity it corrects, written with the ledger
# views' page (projections/corrections.py): how the watcher knows a won deal was voided.
corrections = Table(
    "corrections",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("type", String(40), nullable=False),
    Column("activity_source", String(1024), nullable=False),
    Column("activity_id", String(256), nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(200), primary_key=True),  # also the webhook-id: the same on every attempt
    Column("subscription_id", String(64), nullable=False),
    Column("notification_id", Position, nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("payload", Text, nullable=False),  # the body, signed as it is
    Column("state", String(16), nullable=False),  # pending, delivered or dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", String(32), nullable=False),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", String(32), nullable=False),
    Column("delivered_at", String(32)),
    Index("ix_deliveries_due", "state", "next_attempt_at"),
)

# The last event-store notification turned into deliveries (one row), written with the deliveries it made.
outbound_position = Table(
    "outbound_position",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("notification_id", Position, nullable=False),
)
