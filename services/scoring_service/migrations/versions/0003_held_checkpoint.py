"""The signed checkpoint of goal_service's ledger that scoring_service holds, and the key it pinned.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from shared.kernel.ledger_views.migration import create_held_checkpoint_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_held_checkpoint_table()


def downgrade() -> None:
    op.drop_table("held_checkpoint")
