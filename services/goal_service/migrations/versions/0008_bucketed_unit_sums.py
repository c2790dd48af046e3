"""Unit sums kept per bucket of positions as well, so that figures as known at an earlier position read them
too (shared.kernel.ledger_views.unit_sums). Made again from position zero by their projection.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from shared.kernel.ledger_views.migration import create_sums_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("unit_day_sums")
    create_sums_table("unit_day_sums", "unit_id", bucketed=True)
    op.execute("DELETE FROM projection_tracking WHERE name = 'units'")


def downgrade() -> None:
    op.drop_table("unit_day_sums")
    create_sums_table("unit_day_sums", "unit_id", bucketed=False)
    op.execute("DELETE FROM projection_tracking WHERE name = 'units'")
