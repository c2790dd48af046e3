"""The Merkle tree head that goal_service's held checkpoint signs.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from shared.kernel.ledger_views.migration import add_held_tree_root

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_held_tree_root()


def downgrade() -> None:
    op.drop_column("held_checkpoint", "tree_root")
