"""Operators' decisions to pass over an entry a projection cannot apply (a poisoned entry), kept for ever.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from shared.kernel.ledger_views.migration import create_projection_skips_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_projection_skips_table()


def downgrade() -> None:
    op.drop_table("projection_skips")
