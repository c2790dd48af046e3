"""What goal_service keeps of CRM deliveries beside the ledger: each delivery as it arrived (raw body,
headers that matter, how it was verified, what became of it), the quarantine of records that could not
become activities, the table of CRM users and their reps, and the last known properties of CRM objects
(HubSpot sends one changed property at a time). Changed only through migrations."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, MetaData, String, Table, Text

from shared.projection import Position

metadata = MetaData()

crm_deliveries = Table(
    "crm_deliveries",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("delivery_id", String(256), primary_key=True),  # the provider's own: the idempotency key
    Column("received_at", String(32), nullable=False),
    Column("method", String(8), nullable=False),
    Column("url", Text, nullable=False),
    Column("headers", Text, nullable=False),  # JSON
    Column("body", LargeBinary, nullable=False),  # exactly as received
    Column("verification", String(200), nullable=False),
    Column("outcome", Text),  # JSON: per record, its ledger position, or why it is not in the ledger
)

# Which delivery each ledger entry came from, so a disputed entry leads back to what the CRM sent.
crm_entries = Table(
    "crm_entries",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("source", String(64), nullable=False),
    Column("delivery_id", String(256), nullable=False),
)

crm_quarantine = Table(
    "crm_quarantine",
    metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("delivery_id", String(256), nullable=False),
    Column("record_key", String(256), nullable=False),
    Column("object_ref", String(256)),  # the CRM object it is about, to retry when that object changes
    Column("record", Text, nullable=False),  # JSON: the record as it arrived
    Column("reason", Text, nullable=False),
    Column("state", String(16), nullable=False),  # held or released
    Column("held_at", String(32), nullable=False),
    Column("released_at", String(32)),
    Column("positions", Text),  # JSON: where it was recorded once released
    Index("ix_crm_quarantine_state", "source", "state"),
)

crm_users = Table(
    "crm_users",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("crm_user_id", String(256), primary_key=True),
    Column("rep_id", String(128), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

crm_objects = Table(
    "crm_objects",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("object_type", String(64), primary_key=True),
    Column("object_id", String(256), primary_key=True),
    Column("properties", Text, nullable=False),  # JSON: name -> {value, at (ms)}; a later change wins
)
