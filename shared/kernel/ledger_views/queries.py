"""Reading the credit projection for figures: the contributions to some measures over a span of business
time, as known at a ledger position."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from shared.kernel.ledger_views.tables import contributions
from shared.kernel.metrics.credit import Contribution
from shared.kernel.metrics.customers import SOURCES, customer_credits, customer_events
from shared.kernel.metrics.figures import Credit
from shared.kernel.periods import local_day

DERIVED = ("customer_base", "customers_lost")  # measures folded from won deals and churns when read


def load_credits(
    engine: Engine, measures: Iterable[str], start: str, end: str, known_at: int, zone: ZoneInfo
) -> list[Credit]:
    """Contributions to `measures` that occurred in [start, end) (canonical UTC timestamps) and were
    recorded by position `known_at`; for the customer base, a level, every change before `end`."""
    wanted = set(measures)
    stored = sorted(wanted - set(DERIVED))
    c = contributions.c
    query = select(c.measure, c.rep_id, c.occurred_at, c.value, c.currency, c.product, c.region, c.position).where(
        c.measure.in_(stored), c.occurred_at >= start, c.occurred_at < end, c.position <= known_at
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all() if stored else []
    found = [
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
    if wanted & set(DERIVED):
        first_day = local_day(start, zone)
        found += [
            credit
            for credit in _customer_credits(engine, end, known_at, zone)
            if credit.measure in wanted and (credit.measure == "customer_base" or credit.day >= first_day)
        ]
    return found


def _customer_credits(engine: Engine, end: str, known_at: int, zone: ZoneInfo) -> list[Credit]:
    """The customer base's changes and the customers lost, before `end`, as known at `known_at`: folded
    from every won deal and churn before then, since whether a customer is active depends on all of them."""
    c = contributions.c
    query = select(
        c.position,
        c.activity_source,
        c.activity_id,
        c.measure,
        c.rep_id,
        c.occurred_at,
        c.value,
        c.customer_id,
        c.product,
        c.region,
    ).where(c.measure.in_(SOURCES), c.customer_id.is_not(None), c.occurred_at < end, c.position <= known_at)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = [
        Contribution(
            r.position,
            (r.activity_source, r.activity_id),
            r.measure,
            r.rep_id,
            r.occurred_at,
            Decimal(r.value),
            None,
            r.customer_id,
            r.product,
            r.region,
        )
        for r in rows
    ]
    return customer_credits(customer_events(found, zone))
