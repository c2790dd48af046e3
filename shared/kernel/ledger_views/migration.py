"""The first migration of a service that follows the ledger over HTTP: the ledger views' tables, as they
were at that revision (later changes are later migrations, never edits here)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

POSITION = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def create_ledger_view_tables() -> None:
    op.create_table(
        "projection_tracking",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", POSITION, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "activity_records",
        sa.Column("source", sa.String(1024), primary_key=True),
        sa.Column("id", sa.String(256), primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("occurred_at", sa.String(32), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_table(
        "contributions",
        sa.Column("id", POSITION, primary_key=True, autoincrement=True),
        sa.Column("position", POSITION, nullable=False),
        sa.Column("activity_source", sa.String(1024), nullable=False),
        sa.Column("activity_id", sa.String(256), nullable=False),
        sa.Column("measure", sa.String(40), nullable=False),
        sa.Column("rep_id", sa.String(128), nullable=False),
        sa.Column("occurred_at", sa.String(32), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("product", sa.String(128)),
        sa.Column("region", sa.String(128)),
    )
    op.create_index("ix_contributions_measure_time", "contributions", ["measure", "occurred_at"])
    op.create_index("ix_contributions_rep_measure_time", "contributions", ["rep_id", "measure", "occurred_at"])
    op.create_index("ix_contributions_position", "contributions", ["position"])
    op.create_table(
        "rule_entries",
        sa.Column("position", POSITION, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
    )
    op.create_table(
        "ledger_hashes",
        sa.Column("position", POSITION, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def create_projection_skips_table() -> None:
    """A later revision: operators' decisions to pass over a poisoned entry (shared/poison.py)."""
    op.create_table(
        "projection_skips",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", POSITION, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("failure", sa.Text),
        sa.Column("decided_at", sa.String(32), nullable=False),
    )


def drop_ledger_view_tables() -> None:
    for table in ("ledger_hashes", "rule_entries", "contributions", "activity_records", "projection_tracking"):
        op.drop_table(table)


def create_held_checkpoint_table() -> None:
    """A later revision of each following service: the signed checkpoint of goal_service's ledger it holds."""
    op.create_table(
        "held_checkpoint",
        sa.Column("upstream", sa.String(100), primary_key=True),
        sa.Column("position", POSITION, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("every", POSITION, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signed_at", sa.String(32), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
    )


def add_held_tree_root() -> None:
    """A later revision of each following service: the Merkle tree head the held checkpoint signs (empty for
    one held before checkpoints signed it)."""
    op.add_column("held_checkpoint", sa.Column("tree_root", sa.String(64), nullable=False, server_default=""))


def create_day_sum_tables() -> None:
    """A later revision of every service that keeps the credit projection: the contributions summed per day
    (shared.kernel.ledger_views.day_sums), filled from the contributions when the service next starts."""
    create_sums_table("rep_day_sums", "rep_id", bucketed=True)
    op.create_index("ix_rep_day_sums_measure_day", "rep_day_sums", ["measure", "day"])
    create_sums_table("day_sums", None, bucketed=True)
    op.create_table("day_sums_zone", sa.Column("zone", sa.String(64), primary_key=True))


def create_sums_table(name: str, owner: str | None, *, bucketed: bool) -> None:
    """A table of contributions summed per owner (a rep or a unit, or none), measure, day, bucket (when
    `bucketed`), currency, product and region, its value kept as whole units and 1e-12 parts."""
    limit = 9_000_000_000_000_000_000
    op.create_table(
        name,
        *([sa.Column(owner, sa.String(128), primary_key=True)] if owner else []),
        sa.Column("measure", sa.String(40), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        *([sa.Column("bucket", POSITION, primary_key=True, autoincrement=False)] if bucketed else []),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("product", sa.String(128), primary_key=True),
        sa.Column("region", sa.String(128), primary_key=True),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("fraction", sa.BigInteger, nullable=False),
        sa.Column("contributions", sa.Integer, nullable=False),
        sa.CheckConstraint(f"units BETWEEN -{limit} AND {limit}", name=f"ck_{name}_units"),
        sa.CheckConstraint(f"fraction BETWEEN -{limit} AND {limit}", name=f"ck_{name}_fraction"),
    )


def drop_day_sum_tables() -> None:
    for table in ("day_sums_zone", "day_sums", "rep_day_sums"):
        op.drop_table(table)
