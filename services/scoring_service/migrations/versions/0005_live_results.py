"""Live results: each period's appraisal as known at a ledger position, so scores, rankings and statements
read rows (services/scoring_service/appraisals/live_results.py). Empty at first: each period is appraised
once when first read.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "live_results",
        sa.Column("period", sa.String(32), primary_key=True),
        sa.Column("position", Position, nullable=False),
        sa.Column("store_position", Position, nullable=False),
        sa.Column("teams", sa.Text, nullable=False),
        sa.Column("honours", sa.Text, nullable=False),
    )
    op.create_table(
        "live_scores",
        sa.Column("period", sa.String(32), primary_key=True),
        sa.Column("rep_id", sa.String(128), primary_key=True),
        sa.Column("unit", sa.String(128)),
        sa.Column("team_id", sa.String(128), nullable=False),
        sa.Column("score", sa.String(40), nullable=False),
        sa.Column("ranks", sa.Text, nullable=False),
        sa.Column("appraisal", sa.Text, nullable=False),
    )
    op.create_index("ix_live_scores_unit", "live_scores", ["period", "unit"])


def downgrade() -> None:
    op.drop_table("live_scores")
    op.drop_table("live_results")
