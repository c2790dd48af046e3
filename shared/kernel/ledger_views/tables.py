"""The tables of the ledger views, in each following service's own database. Changed only through each
service's migrations; decimals are stored as text, so values stay exact on SQLite as on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Integer, MetaData, String, Table, Text

from shared.platform.projection import Position, skips_table, tracking_table

metadata = MetaData()
tracking = tracking_table(metadata)
skips = skips_table(metadata)  # entries an operator decided a projection passes over

activity_records = Table(
    "activity_records",
    metadata,
    Column("source", String(1024), primary_key=True),
    Column("id", String(256), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("occurred_at", String(32), nullable=False),
    Column("record", Text, nullable=False),  # the ActivityRecord as canonical JSON
)

contributions = Table(
    "contributions",
    metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("position", Position, nullable=False),
    Column("activity_source", String(1024), nullable=False),
    Column("activity_id", String(256), nullable=False),
    Column("measure", String(40), nullable=False),
    Column("rep_id", String(128), nullable=False),
    Column("occurred_at", String(32), nullable=False),
    Column("value", String(64), nullable=False),
    Column("currency", String(3)),
    Column("customer_id", String(128)),
    Column("product", String(128)),
    Column("region", String(128)),
    Index("ix_contributions_measure_time", "measure", "occurred_at"),
    Index("ix_contributions_rep_measure_time", "rep_id", "measure", "occurred_at"),
    Index("ix_contributions_position", "position"),
)


SUM_LIMIT = 9_000_000_000_000_000_000  # below 2^63, so an overflowed SQLite sum (a float) is refused


def _sums_table(name: str, owner: str | None, bucketed: bool, *extra: Index) -> Table:
    """Contributions summed per owner (a rep or a unit; none for the company's own), measure, day, bucket of
    positions (when `bucketed`), currency, product and region, none of them NULL (shared.kernel.ledger_views.
    day_sums). The value is whole units and 1e-12 parts: adding past 64 bits fails on PostgreSQL and, through
    the checks, on SQLite, which would otherwise turn the sum into a float."""
    return Table(
        name,
        metadata,
        *([Column(owner, String(128), primary_key=True)] if owner else []),
        Column("measure", String(40), primary_key=True),
        Column("day", String(10), primary_key=True),
        *([Column("bucket", Position, primary_key=True, autoincrement=False)] if bucketed else []),
        Column("currency", String(3), primary_key=True),
        Column("product", String(128), primary_key=True),
        Column("region", String(128), primary_key=True),
        Column("units", BigInteger, nullable=False),
        Column("fraction", BigInteger, nullable=False),
        Column("contributions", Integer, nullable=False),
        CheckConstraint(f"units BETWEEN -{SUM_LIMIT} AND {SUM_LIMIT}", name=f"ck_{name}_units"),
        CheckConstraint(f"fraction BETWEEN -{SUM_LIMIT} AND {SUM_LIMIT}", name=f"ck_{name}_fraction"),
        *extra,
    )


rep_day_sums = _sums_table("rep_day_sums", "rep_id", True, Index("ix_rep_day_sums_measure_day", "measure", "day"))
day_sums = _sums_table("day_sums", None, True)
unit_day_sums = _sums_table("unit_day_sums", "unit_id", True)

# The zone whose business days the day sums were summed in.
day_sums_zone = Table("day_sums_zone", metadata, Column("zone", String(64), primary_key=True))

RULE_PREFIXES = ("org.", "calendar.", "goal.")

rule_entries = Table(
    "rule_entries",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("type", String(40), nullable=False),
    Column("entry", Text, nullable=False),  # the ledger entry as canonical JSON
)

# The chain as a follower received it: the hash at every position, so a seal can name the hash at its
# cut-off and a replay can check it, without asking the upstream.
ledger_hashes = Table(
    "ledger_hashes",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
)

# The newest signed checkpoint of goal_service's ledger this follower has been shown, verified with the key it
# pinned (kept here too): a page that contradicts it is refused, even after goal_service has lost it.
held_checkpoint = Table(
    "held_checkpoint",
    metadata,
    Column("upstream", String(100), primary_key=True),
    Column("position", Position, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("tree_root", String(64), nullable=False, server_default=""),
    Column("every", Position, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
)
