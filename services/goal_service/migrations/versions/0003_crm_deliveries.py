"""CRM deliveries kept as they arrived and the entries they made, the quarantine, CRM users and objects.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "crm_deliveries",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("delivery_id", sa.String(256), primary_key=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("verification", sa.String(200), nullable=False),
        sa.Column("outcome", sa.Text()),
    )
    op.create_table(
        "crm_entries",
        sa.Column("position", Position, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("delivery_id", sa.String(256), nullable=False),
    )
    op.create_table(
        "crm_quarantine",
        sa.Column("id", Position, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("delivery_id", sa.String(256), nullable=False),
        sa.Column("record_key", sa.String(256), nullable=False),
        sa.Column("object_ref", sa.String(256)),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("held_at", sa.String(32), nullable=False),
        sa.Column("released_at", sa.String(32)),
        sa.Column("positions", sa.Text()),
    )
    op.create_index("ix_crm_quarantine_state", "crm_quarantine", ["source", "state"])
    op.create_table(
        "crm_users",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("crm_user_id", sa.String(256), primary_key=True),
        sa.Column("rep_id", sa.String(128), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "crm_objects",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("object_type", sa.String(64), primary_key=True),
        sa.Column("object_id", sa.String(256), primary_key=True),
        sa.Column("properties", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("crm_objects", "crm_users", "crm_quarantine", "crm_entries", "crm_deliveries"):
        op.drop_table(table)
