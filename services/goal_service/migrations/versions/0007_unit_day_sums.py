"""The contributions summed per unit and business day (shared.kernel.ledger_views.unit_sums), filled by
their own projection from position zero.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from shared.kernel.ledger_views.migration import create_sums_table

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_sums_table("unit_day_sums", "unit_id", bucketed=False)


def downgrade() -> None:
    op.drop_table("unit_day_sums")
