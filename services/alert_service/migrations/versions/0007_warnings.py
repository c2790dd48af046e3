"""Warnings as lists read them, one indexed row per warning, and how far they are kept. The position starts
at 0, so the first list applies every warning event already in the event store.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INDEXES = {
    "ix_warnings_newest": ["raised_position", "id"],
    "ix_warnings_state": ["state", "raised_position"],
    "ix_warnings_rule": ["rule_id", "raised_position"],
    "ix_warnings_subject": ["subject_id", "raised_position"],
    "ix_warnings_unit": ["unit", "raised_position"],
    "ix_warnings_period": ["period", "raised_position"],
}


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("subject_kind", sa.String(8), nullable=False),
        sa.Column("subject_id", sa.String(128), nullable=False),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(128)),
        sa.Column("raised_position", Position, nullable=False),
        sa.Column("raised_day", sa.String(10), nullable=False),
        sa.Column("notification_id", Position, nullable=False),
        sa.Column("warning", sa.Text(), nullable=False),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "warnings", columns)
    position = op.create_table(
        "warnings_position",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("notification_id", Position, nullable=False),
        sa.Column("organisation_position", Position, nullable=False),
    )
    op.bulk_insert(position, [{"id": 1, "notification_id": 0, "organisation_position": 0}])


def downgrade() -> None:
    op.drop_table("warnings_position")
    for name in INDEXES:
        op.drop_index(name, "warnings")
    op.drop_table("warnings")
