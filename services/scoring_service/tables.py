"""scoring_service's own tables beside the ledger views: the live results, each period's appraisal as known
at a ledger position, kept so a read answers from rows rather than folding the period again. Changed only
through migrations."""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, String, Table, Text

from shared.platform.projection import Position

metadata = MetaData()  # the ledger views' tables are shared.kernel.ledger_views.tables

# One row per period appraised live: the ledger position and the last event of this service's own store
# (rules, ratings, closes, seals) it was computed with, and its team figures and honours as canonical JSON.
live_results = Table(
    "live_results",
    metadata,
    Column("period", String(32), primary_key=True),
    Column("position", Position, nullable=False),
    Column("store_position", Position, nullable=False),
    Column("teams", Text, nullable=False),
    Column("honours", Text, nullable=False),
)

# Each appraised rep's appraisal of that result, as canonical JSON, with what scope and rankings select by:
# the unit the rep was in on the period's last day (scope looks there), and its ranks.
live_scores = Table(
    "live_scores",
    metadata,
    Column("period", String(32), primary_key=True),
    Column("rep_id", String(128), primary_key=True),
    Column("unit", String(128)),
    Column("team_id", String(128), nullable=False),
    Column("score", String(40), nullable=False),
    Column("ranks", Text, nullable=False),
    Column("appraisal", Text, nullable=False),
    Index("ix_live_scores_unit", "period", "unit"),
)
