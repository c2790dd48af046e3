"""alert_service's own tables beside the ledger views: the ledger's corrections, the outbound deliveries, the
warnings as lists read them, and how far the event store's notifications have been turned into them.
Changed only through migrations."""

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

# One row per warning, kept from the event store's warning notifications (projections/warning_list.py), so a
# list reads a page of indexed rows in scope rather than loading every warning. Each filter's index ends in
# the list's order, newest raised first.
warnings = Table(
    "warnings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("subject_kind", String(8), nullable=False),  # rep or unit
    Column("subject_id", String(128), nullable=False),
    Column("period", String(32), nullable=False),
    # What a manager's scope goes by on the day raised: the rep's unit then, or the unit itself once it exists
    # (none otherwise), read from the organisation as now known and moved when that changes.
    Column("unit", String(128)),
    Column("raised_position", Position, nullable=False),
    Column("raised_day", String(10), nullable=False),
    Column("notification_id", Position, nullable=False),  # the warning's last event applied
    Column("warning", Text, nullable=False),  # as WarningOut writes it, in canonical JSON
    Index("ix_warnings_newest", "raised_position", "id"),
    Index("ix_warnings_state", "state", "raised_position"),
    Index("ix_warnings_rule", "rule_id", "raised_position"),
    Index("ix_warnings_subject", "subject_id", "raised_position"),
    Index("ix_warnings_unit", "unit", "raised_position"),
    Index("ix_warnings_period", "period", "raised_position"),
)

# How far the warnings table is kept (one row), written with the rows it changed: the last event-store
# notification applied, and the last organisation entry the rows' units were read from.
warnings_position = Table(
    "warnings_position",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("notification_id", Position, nullable=False),
    Column("organisation_position", Position, nullable=False),
)
