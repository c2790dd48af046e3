"""The credited contributions summed per business day, for figures that read a few rows, not every
contribution (shared.kernel.ledger_views.day_sums); filled from the contributions at the next start.

Revision ID: 0006
Revises: 0005
"""

from shared.kernel.ledger_views.migration import create_day_sum_tables, drop_day_sum_tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_day_sum_tables()


def downgrade() -> None:
    drop_day_sum_tables()
