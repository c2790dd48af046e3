"""The ledger views: what scoring_service keeps of goal_service's ledger.

Revision ID: 0001
Revises:
"""

from shared.kernel.ledger_views.migration import create_ledger_view_tables, drop_ledger_view_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_ledger_view_tables()


def downgrade() -> None:
    drop_ledger_view_tables()
