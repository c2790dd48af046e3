"""Projection tracking, activity records and contributions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_table("contributions")
    op.drop_table("activity_records")
    op.drop_table("projection_tracking")
