"""Outbound deliveries of warning events to subscribed URLs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("notification_id", Position, nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.String(32), nullable=False),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("delivered_at", sa.String(32)),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    position = op.create_table(
        "outbound_position",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("notification_id", Position, nullable=False),
    )
    op.bulk_insert(position, [{"id": 1, "notification_id": 0}])


def downgrade() -> None:
    op.drop_table("outbound_position")
    op.drop_index("ix_deliveries_due", "deliveries")
    op.drop_table("deliveries")
