"""Reading the credit projection for figures: the contributions to some measures over a span of business
time, as known at a ledger position."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from shared.ledger_views.tables import contributions
from shared.metrics.figures import Credit
from shared.periods import local_day


def load_credits(
    engine: Engine, measures: Iterable[str], start: str, end: str, known_at: int, zone: ZoneInfo
) -> list[Credit]:
    """Contributions to `measures` that occurred in [start, end) (canonical UTC timestamps) and were
    recorded by position `known_at`."""
    c = contributions.c
    query = select(c.measure, c.rep_id, c.occurred_at, c.value, c.currency, c.product, c.region, c.position).where(
        c.measure.in_(sorted(set(measures))), c.occurred_at >= start, c.occurred_at < end, c.position <= known_at
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        Credit(
            r.measure,
            r.rep_id,
            local_day(r.occurred_at, zone),
            Decimal(r.value),
            r.currency,
            r.product,
            r.region,
            r.position,
        )
        for r in rows
    ]
