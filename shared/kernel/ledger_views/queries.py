"""Reading the credit projection for figures: the contributions to some measures over a span of business
time, as known at a ledger position."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from shared.kernel.ledger_views.day_sums import Shape, day_credits, summed
from shared.kernel.ledger_views.tables import contributions, day_sums_zone, tracking
from shared.kernel.metrics.credit import Contribution
from shared.kernel.metrics.customers import SOURCES, customer_credits, customer_events
from shared.kernel.metrics.figures import Credit
from shared.kernel.periods import day_start, local_day
from shared.platform.readmodel import snapshot

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


def load_day_credits(
    engine: Engine,
    projection: str,
    measures: Iterable[str],
    first: date,
    last: date,
    known_at: int,
    zone: ZoneInfo,
    shape: Shape,
    reps: Collection[str] | None = None,
) -> list[Credit]:
    """What `load_credits` reads for the days first..last, summed per day as `shape` asks (with `reps`, only
    theirs, per rep), from the day sums the credit projection (tracked as `projection`) keeps; the customer
    base and customers lost as `load_credits` folds them. The same figures, from a few rows."""
    wanted = set(measures)
    stored = wanted - set(DERIVED)
    start, end = day_start(first, zone), day_start(last + timedelta(days=1), zone)
    with snapshot(engine) as connection:
        held = connection.execute(select(tracking.c.position).where(tracking.c.name == projection)).scalar() or 0
        ready = known_at <= held and connection.execute(select(day_sums_zone.c.zone)).scalar() == zone.key
        found = day_credits(connection, held, stored, first, last, known_at, zone, shape, reps) if ready else []
    if not ready:  # summed in another zone, or being rebuilt: fold the contributions, as slowly as before
        raw = load_credits(engine, stored, start, end, known_at, zone)
        found = summed([c for c in raw if reps is None or c.rep_id in reps], shape)
    if wanted & set(DERIVED):
        found += load_credits(engine, wanted & set(DERIVED), start, end, known_at, zone)
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
