"""What each CRM record has made in the ledger (a projection of the ledger), the records of a delivery
already seen on their own, what would release a held record, and who dismissed one that nothing can place.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "crm_records",
        sa.Column("source", sa.String(1024), primary_key=True),
        sa.Column("record_ref", sa.String(128), primary_key=True),
        sa.Column("activity_id", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.String(32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("voided_by_hand", sa.Boolean(), nullable=False),
        sa.Column("split", sa.Boolean(), nullable=False),
        sa.Column("made", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.String(32), nullable=False),
        sa.Column("position", Position, nullable=False),
    )
    op.create_index("ix_crm_records_activity", "crm_records", ["source", "activity_id"], unique=True)
    op.create_table(
        "crm_seen",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("record_key", sa.String(256), primary_key=True),
        sa.Column("delivery_id", sa.String(256), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
    )
    op.add_column("crm_quarantine", sa.Column("release", sa.Text()))
    op.add_column("crm_quarantine", sa.Column("dismissal", sa.Text()))
    op.create_index("ix_crm_quarantine_object", "crm_quarantine", ["source", "object_ref", "state"])
    op.create_index("ix_crm_quarantine_delivery", "crm_quarantine", ["source", "delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_crm_quarantine_delivery", "crm_quarantine")
    op.drop_index("ix_crm_quarantine_object", "crm_quarantine")
    op.drop_column("crm_quarantine", "dismissal")
    op.drop_column("crm_quarantine", "release")
    op.drop_table("crm_seen")
    op.drop_index("ix_crm_records_activity", "crm_records")
    op.drop_table("crm_records")
