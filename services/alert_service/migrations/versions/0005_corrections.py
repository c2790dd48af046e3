"""The ledger's corrections by their own type, so the watcher reads that a deal was voided from the entry.

Entries followed before this revision are not read again, so for them the table is filled from what the
watcher used to go by: a won deal whose won count drops by one at a position was voided there. That is
every void the watcher judges (it judges only voided won deals), and nothing else drops a won count by one.

Revision ID: 0005
Revises: 0004
"""

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    corrections = op.create_table(
        "corrections",
        sa.Column("position", Position, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("activity_source", sa.String(1024), nullable=False),
        sa.Column("activity_id", sa.String(256), nullable=False),
    )
    contributions = sa.table(
        "contributions",
        sa.column("position"),
        sa.column("activity_source"),
        sa.column("activity_id"),
        sa.column("measure"),
        sa.column("value"),
    )
    c = contributions.c
    reversing = sa.select(c.position).where(c.measure == "deals_won", c.value.startswith("-"))
    query = sa.select(c.position, c.activity_source, c.activity_id, c.value).where(
        c.measure == "deals_won", c.position.in_(reversing)
    )
    won: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for row in op.get_bind().execute(query):
        won[(row.position, row.activity_source, row.activity_id)] += Decimal(row.value)
    rows = [
        {"position": position, "type": "activity.voided", "activity_source": source, "activity_id": activity_id}
        for (position, source, activity_id), change in sorted(won.items())
        if change == -1
    ]
    if rows:
        op.bulk_insert(corrections, rows)


def downgrade() -> None:
    op.drop_table("corrections")
