"""What goal_service keeps of CRM deliveries beside the ledger: each delivery as it arrived (raw body,
headers that matter, how it was verified, what became of it), the quarantine of records that could not
become activities, the table of CRM users and their reps, and the last known properties of CRM objects
(HubSpot sends one changed property at a time), what each CRM record has made in the ledger, and the
records of a delivery already seen on their own. Changed only through migrations."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text

from shared.platform.projection import Position

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
    Column("state", String(16), nullable=False),  # held, released or dismissed
    Column("held_at", String(32), nullable=False),
    Column("released_at", String(32)),
    Column("positions", Text),  # JSON: where it was recorded once released
    Column("release", Text),  # what would release it, in words
    Column("dismissal", Text),  # JSON: who dismissed it, and why, when nothing could place it
    Index("ix_crm_quarantine_state", "source", "state"),
    Index("ix_crm_quarantine_object", "source", "object_ref", "state"),
    Index("ix_crm_quarantine_delivery", "source", "delivery_id"),
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

# What each CRM record has made in the ledger, kept by a projection of the ledger itself (crm_records.py),
# so that what the adapters decide next (amend, reassign, void, make again) can never disagree with what
# the ledger holds, even after a crash between recording and remembering.
crm_records = Table(
    "crm_records",
    metadata,
    Column("source", String(1024), primary_key=True),  # the events' CloudEvent source, crm://<source>
    Column("record_ref", String(128), primary_key=True),  # the activity's crm_ref: the record in the CRM
    Column("activity_id", String(256), nullable=False),  # the latest activity it made
    Column("kind", String(64), nullable=False),
    Column("occurred_at", String(32), nullable=False),
    Column("data", Text, nullable=False),  # JSON: the activity's data as corrected since
    Column("active", Boolean, nullable=False),  # False once voided
    Column("voided_by_hand", Boolean, nullable=False),  # voided by a correction from another source
    Column("split", Boolean, nullable=False),  # its credit was split by hand
    Column("made", Integer, nullable=False),  # activities the record has made: numbers the next one
    Column("corrections", Integer, nullable=False),  # corrections of the latest activity: numbers the next
    Column("changed_at", String(32), nullable=False),  # the CRM's time of its latest change
    Column("position", Position, nullable=False),  # the ledger entry that last changed it
    Index("ix_crm_records_activity", "source", "activity_id", unique=True),
)

# Records deduplicated on their own id (Salesforce notifications), whatever delivery carried them.
crm_seen = Table(
    "crm_seen",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("record_key", String(256), primary_key=True),
    Column("delivery_id", String(256), nullable=False),
    Column("outcome", Text, nullable=False),  # JSON: what became of it the first time
)
