"""Reading the credit projection for figures: the contributions to some measures over a span of business
time, as known at a ledger position."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from sys import intern
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Row, select

from shared.kernel.ledger_views import day_sums
from shared.kernel.ledger_views.day_sum_reads import UnitSumsRead, bucket_credits, read_asks, reads_below_bucket
from shared.kernel.ledger_views.followed import FollowedLedger
from shared.kernel.ledger_views.tables import contributions, day_sums_zone, rule_entries, tracking
from shared.kernel.metrics.asks import Ask, summed
from shared.kernel.metrics.credit import Contribution
from shared.kernel.metrics.customers import DERIVED, SOURCES, customer_credits, customer_events
from shared.kernel.metrics.figures import Credit
from shared.kernel.periods import day_start, local_day
from shared.platform.readmodel import snapshot

ROWS_PER_FETCH = 10_000


def load_credits(
    engine: Engine,
    measures: Iterable[str],
    start: str,
    end: str | None,
    known_at: int,
    zone: ZoneInfo,
    reps: Collection[str] | None = None,
) -> list[Credit]:
    """Contributions to `measures` that occurred in [start, end) (canonical UTC timestamps; no end: from
    start on) and were recorded by position `known_at`, of `reps` alone if given; for the customer base, a
    level, every change before `end`."""
    wanted = set(measures)
    stored = sorted(wanted - set(DERIVED))
    c = contributions.c
    query = select(c.measure, c.rep_id, c.occurred_at, c.value, c.currency, c.product, c.region, c.position).where(
        c.measure.in_(stored), c.occurred_at >= start, c.position <= known_at
    )
    if end is not None:
        query = query.where(c.occurred_at < end)
    if reps is not None:
        query = query.where(c.rep_id.in_(sorted(reps)))
    days: dict[date, date] = {}  # one date and one string per value rather than one per row: they are kept
    with engine.connect() as connection:
        # Rows fetched a page at a time: a follower may load a period's contributions, most of a ledger.
        rows: Iterable[Row] = connection.execution_options(yield_per=ROWS_PER_FETCH).execute(query) if stored else ()
        found = [
            Credit(
                intern(r.measure),
                intern(r.rep_id),
                _one(days, local_day(r.occurred_at, zone)),
                Decimal(r.value),
                r.currency and intern(r.currency),
                r.product and intern(r.product),
                r.region and intern(r.region),
                r.position,
            )
            for r in rows
        ]
    if wanted & set(DERIVED):
        if end is None:
            raise ValueError("the customer base is read up to an end")
        first_day = local_day(start, zone)
        found += [
            credit
            for credit in _customer_credits(engine, end, known_at, zone)
            if credit.measure in wanted
            and (credit.measure == "customer_base" or credit.day >= first_day)
            and (reps is None or credit.rep_id in reps)
        ]
    return found


def _one(kept: dict[date, date], day: date) -> date:
    return kept.setdefault(day, day)


def read_day_sums(
    engine: Engine,
    projection: str,
    asks: Sequence[Ask],
    known_at: int,
    zone: ZoneInfo,
    unit_projection: str | None = None,
    bucket: Callable[[Connection], Sequence[Credit]] | None = None,
) -> list[list[Credit]]:
    """What each ask sums of `load_credits`'s credits, as known at `known_at`, from the day sums the credit
    projection (tracked as `projection`) keeps, in one snapshot; the customer base and customers lost, which
    no day sum holds, as `load_credits` folds them (one credit per change). The same figures, from few rows.
    A unit's figures come from its unit sums (`unit_projection`) when they can answer as known at `known_at`
    (`_unit_sums_read`), else from its members'. `bucket` gives the contributions of `known_at`'s bucket up to
    it, when the caller keeps them and reading below the bucket is the cheaper way (day_sum_reads.read_asks)."""
    stored = [
        replace(ask, measures=ask.measures - set(DERIVED)) if ask.measures & set(DERIVED) else ask for ask in asks
    ]
    with snapshot(engine) as connection:
        held = connection.execute(select(tracking.c.position).where(tracking.c.name == projection)).scalar() or 0
        ready = known_at <= held and connection.execute(select(day_sums_zone.c.zone)).scalar() == zone.key
        units = _unit_sums_read(connection, unit_projection, known_at) if ready else None
        kept = ready and bucket is not None and reads_below_bucket(held, known_at)
        recent = bucket(connection) if kept and bucket is not None else None
        found = read_asks(connection, held, stored, known_at, zone, units, recent) if ready else []
    if not ready:  # summed in another zone, or being rebuilt: from the contributions, as slowly as before
        found = [summed(ask, _between(engine, ask, ask.measures, known_at, zone)) for ask in stored]
    for ask, credits in zip(asks, found, strict=True):
        if derived := ask.measures & set(DERIVED):
            credits += _between(engine, ask, derived, known_at, zone)
    return found


def _unit_sums_read(connection: Connection, projection: str | None, known_at: int) -> UnitSumsRead | None:
    """How the unit sums can answer as known at `known_at`, if they can (day_sum_reads.UnitSumsRead): they
    reach it, and no organisation change was recorded after it (to take away what was recorded since) or in
    its own bucket up to it (to add what the bucket recorded by then), whichever reads fewer contributions.
    Across such a change they attribute by another organisation than the one known then."""
    if projection is None:
        return None
    held = connection.execute(select(tracking.c.position).where(tracking.c.name == projection)).scalar()
    if held is None or held < known_at:
        return None
    bucket_start = known_at // day_sums.BUCKET * day_sums.BUCKET
    from_head = None if _organisation_changed(connection, known_at, held) else UnitSumsRead(held)
    if from_head is not None and held - known_at <= known_at - bucket_start:
        return from_head  # as at the head, where most reads are: no second question asked
    if not _organisation_changed(connection, bucket_start - 1, known_at):
        return UnitSumsRead(held, known_at // day_sums.BUCKET)
    return from_head


def _organisation_changed(connection: Connection, after: int, upto: int) -> bool:
    r = rule_entries.c
    later = select(r.position).where(r.type.startswith("org."), r.position > after, r.position <= upto).limit(1)
    return connection.execute(later).first() is not None


def _between(engine: Engine, ask: Ask, measures: Iterable[str], known_at: int, zone: ZoneInfo) -> list[Credit]:
    end = day_start(ask.last + timedelta(days=1), zone)
    return load_credits(engine, measures, day_start(ask.first, zone), end, known_at, zone) if measures else []


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


class LedgerAt:
    """A follower's credits as known at one position: an ask's sums (`read_day_sums`) and, where a figure names
    the entries behind it, the contributions themselves (`load_credits`)."""

    def __init__(self, engine: Engine, known_at: int, zone: ZoneInfo):
        self.engine = engine
        self.known_at = known_at
        self.zone = zone
        # The contributions of known_at's bucket up to it, read once: a judge asks many sums at one position.
        self._bucket: list[Credit] | None = None

    def sums(self, asks: Sequence[Ask]) -> list[list[Credit]]:
        if self._bucket is not None:  # read below the bucket before: the sums hold known_at, and one statement does
            with self.engine.connect() as connection:
                return read_asks(connection, self.known_at, asks, self.known_at, self.zone, bucket=self._bucket)
        return read_day_sums(self.engine, FollowedLedger.name, asks, self.known_at, self.zone, bucket=self._recent)

    def _recent(self, connection: Connection) -> list[Credit]:
        if self._bucket is None:
            self._bucket = bucket_credits(connection, self.known_at, self.zone)
        return self._bucket

    def contributions(
        self, measures: Iterable[str], first: date, last: date, reps: Collection[str] | None = None
    ) -> list[Credit]:
        start, end = day_start(first, self.zone), day_start(last + timedelta(days=1), self.zone)
        return load_credits(self.engine, measures, start, end, self.known_at, self.zone, reps=reps)
