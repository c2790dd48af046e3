"""The contributions summed per unit and business day (shared.kernel.ledger_views.unit_sums), filled by
their own projection from position zero.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LIMIT = 9_000_000_000_000_000_000


def upgrade() -> None:
    op.create_table(
        "unit_day_sums",
        sa.Column("unit_id", sa.String(128), primary_key=True),
        sa.Column("measure", sa.String(40), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("product", sa.String(128), primary_key=True),
        sa.Column("region", sa.String(128), primary_key=True),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("fraction", sa.BigInteger, nullable=False),
        sa.Column("contributions", sa.Integer, nullable=False),
        sa.CheckConstraint(f"units BETWEEN -{LIMIT} AND {LIMIT}", name="ck_unit_day_sums_units"),
        sa.CheckConstraint(f"fraction BETWEEN -{LIMIT} AND {LIMIT}", name="ck_unit_day_sums_fraction"),
    )


def downgrade() -> None:
    op.drop_table("unit_day_sums")
