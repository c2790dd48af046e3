"""Day sums: the credited contributions summed per business day, kept beside them in the same transaction,
so a figure reads a few hundred rows instead of folding every contribution.

Two tables: per (day, rep, measure, currency, product, region), for figures that look at reps or teams, and
the same without the rep, for company figures. Each row also belongs to a *bucket* of ledger positions
(`BUCKET` entries): "as known at position k" is the sums of the buckets wholly at or before k plus the
contributions of k's own bucket up to k, or, when k is recent, every bucket's sums less the contributions
after k, whichever reads fewer contributions. Entries mostly arrive in the order their activities occur,
so a bucket spans a few hours of business time and the bucket column adds few rows.

Sums stay exact on SQLite as on PostgreSQL: a value is kept as whole units and millionths of millionths
(every credited value has at most 12 decimal places: an amount has 6, a split's percent 4), both integers,
which SQL adds exactly; a sum too large for 64 bits is refused, never rounded. A row also counts its
contributions, so a key with nothing credited by k is left out, as a fold of the contributions leaves it.

The days are the company zone's: the sums are rebuilt from the contributions when the zone changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.kernel.ledger_views.tables import contributions, day_sums, day_sums_zone, rep_day_sums
from shared.kernel.metrics.credit import Contribution
from shared.kernel.metrics.figures import Credit
from shared.kernel.periods import day_start, local_day

BUCKET = 4096  # ledger positions per bucket: what "as known at" reads at most of the raw contributions
FRACTION = 10**12  # the smallest part of a credited value a sum keeps
NONE = ""  # a key column's "none" (no currency, product or region): key columns are never NULL


class ValueTooFine(ValueError):
    """A value with more decimal places than a day sum keeps: no bounded amount or share has them."""


def split(value: Decimal) -> tuple[int, int]:
    """(whole units, fraction in 1e-12) of a value, both with its sign; exact or refused."""
    units = int(value)
    fraction = (value - units) * FRACTION
    if fraction != fraction.to_integral_value():
        raise ValueTooFine(f"{value} has more than 12 decimal places")
    return units, int(fraction)


def joined(units: int, fraction: int) -> Decimal:
    return Decimal(units) + Decimal(fraction) / FRACTION


@dataclass(frozen=True)
class Key:
    """What a sum is kept per; `rep_id` is None in a company sum or a read that does not ask for reps."""

    day: date
    rep_id: str | None
    measure: str
    currency: str | None
    product: str | None
    region: str | None


@dataclass(frozen=True)
class Shape:
    """What a read keeps apart: reps, products, regions (days, measures and currencies always)."""

    reps: bool = False
    products: bool = False
    regions: bool = False


def _key(day: date, rep_id: str | None, measure: str, currency, product, region, shape: Shape) -> Key:  # type: ignore[no-untyped-def]
    return Key(
        day,
        rep_id if shape.reps else None,
        measure,
        currency or None,
        (product or None) if shape.products else None,
        (region or None) if shape.regions else None,
    )


class Tally:
    """Sums and counts per key, exact."""

    def __init__(self) -> None:
        self.sums: dict[Key, Decimal] = defaultdict(Decimal)
        self.counts: dict[Key, int] = defaultdict(int)

    def add(self, key: Key, value: Decimal, count: int) -> None:
        self.sums[key] += value
        self.counts[key] += count

    def credits(self) -> list[Credit]:
        """One credit per key that still counts a contribution, in key order (deterministic)."""
        kept = [key for key, count in self.counts.items() if count]
        kept.sort(key=lambda k: (k.day, k.rep_id or "", k.measure, k.currency or "", k.product or "", k.region or ""))
        return [Credit(k.measure, k.rep_id or "", k.day, self.sums[k], k.currency, k.product, k.region) for k in kept]


# --- writing --------------------------------------------------------------------------------------------


class DaySums:
    """The writing side, called by the credit projection with each page's new contributions."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone

    def add(self, session: Session, added: Iterable[Contribution]) -> None:
        per_rep: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        for c in added:
            units, fraction = split(c.value)
            key = (
                c.position // BUCKET,
                local_day(c.occurred_at, self.zone).isoformat(),
                c.rep_id,
                c.measure,
                c.currency or NONE,
                c.product or NONE,
                c.region or NONE,
            )
            total = per_rep[key]
            total[0] += units
            total[1] += fraction
            total[2] += 1
        if not per_rep:
            return
        company: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        for (bucket, day, _, *rest), (units, fraction, count) in per_rep.items():
            total = company[(bucket, day, *rest)]
            total[0] += units
            total[1] += fraction
            total[2] += count
        _upsert(session, rep_day_sums, REP_KEY, per_rep)
        _upsert(session, day_sums, COMPANY_KEY, company)

    def reset(self, session: Session) -> None:
        session.execute(delete(rep_day_sums))
        session.execute(delete(day_sums))

    def rebuild_for_zone(self, session: Session) -> bool:
        """Sum the contributions again when they were summed in another zone's days (or never, as in a
        database made before day sums); whether it did."""
        held = session.execute(select(day_sums_zone.c.zone)).scalar()
        if held == self.zone.key:
            return False
        self.reset(session)
        c = contributions.c
        query = select(
            c.position, c.measure, c.rep_id, c.occurred_at, c.value, c.currency, c.product, c.region
        ).execution_options(yield_per=20_000)
        batch: list[Contribution] = []
        for row in session.execute(query):
            batch.append(_contribution(row))
            if len(batch) == 20_000:
                self.add(session, batch)
                batch = []
        self.add(session, batch)
        session.execute(delete(day_sums_zone))
        session.execute(insert(day_sums_zone).values(zone=self.zone.key))
        return True


def _contribution(row) -> Contribution:  # type: ignore[no-untyped-def]
    return Contribution(
        row.position,
        ("", ""),
        row.measure,
        row.rep_id,
        row.occurred_at,
        Decimal(row.value),
        row.currency,
        None,
        row.product,
        row.region,
    )


REP_KEY = ("bucket", "day", "rep_id", "measure", "currency", "product", "region")
COMPANY_KEY = ("bucket", "day", "measure", "currency", "product", "region")


def _upsert(session: Session, table, keys: tuple[str, ...], totals: dict[tuple, list[int]]) -> None:  # type: ignore[no-untyped-def]
    """Add to the rows of these keys, creating those that are new, in one statement."""
    rows = [
        {**dict(zip(keys, key, strict=True)), "units": u, "fraction": f, "contributions": n}
        for key, (u, f, n) in totals.items()
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={
            "units": table.c.units + statement.excluded.units,
            "fraction": table.c.fraction + statement.excluded.fraction,
            "contributions": table.c.contributions + statement.excluded.contributions,
        },
    )
    for start in range(0, len(rows), 5_000):
        session.execute(statement, rows[start : start + 5_000])


# --- reading --------------------------------------------------------------------------------------------


def day_credits(
    connection: Connection,
    held: int,
    measures: Collection[str],
    first: date,
    last: date,
    known_at: int,
    zone: ZoneInfo,
    shape: Shape,
    reps: Collection[str] | None = None,
) -> list[Credit]:
    """The contributions to `measures` on the days first..last as known at `known_at`, summed per day,
    measure and currency, and per rep, product and region as `shape` asks (a rep filter reads per rep).
    `held` is how far the sums reach, read in the same snapshot as `connection` reads them."""
    if not measures or first > last:
        return []
    if known_at > held:
        raise ValueError(f"the day sums hold position {held}, not {known_at}")
    shape = Shape(True, shape.products, shape.regions) if reps is not None else shape
    tally = Tally()
    bucket_start = known_at // BUCKET * BUCKET
    if held - known_at <= known_at - bucket_start:  # fewer to take away than to add
        _add_sums(connection, tally, measures, first, last, shape, reps, None)
        _add_raw(connection, tally, measures, first, last, zone, shape, reps, known_at + 1, held, -1)
    else:
        _add_sums(connection, tally, measures, first, last, shape, reps, known_at // BUCKET)
        _add_raw(connection, tally, measures, first, last, zone, shape, reps, bucket_start, known_at, 1)
    return tally.credits()


def _add_sums(connection, tally, measures, first, last, shape, reps, below_bucket) -> None:  # type: ignore[no-untyped-def]
    table = rep_day_sums if shape.reps else day_sums
    t = table.c
    grouped = [t.day, t.measure, t.currency]
    grouped += [t.rep_id] if shape.reps else []
    grouped += [t.product] if shape.products else []
    grouped += [t.region] if shape.regions else []
    query = (
        select(
            *grouped,
            func.sum(t.units).label("units"),
            func.sum(t.fraction).label("fraction"),
            func.sum(t.contributions).label("contributions"),
        )
        .where(t.measure.in_(sorted(measures)), t.day >= first.isoformat(), t.day <= last.isoformat())
        .group_by(*grouped)
    )
    if below_bucket is not None:
        query = query.where(t.bucket < below_bucket)
    if reps is not None:
        query = query.where(t.rep_id.in_(sorted(reps)))
    for row in connection.execute(query):
        mapping = row._mapping
        key = _key(
            date.fromisoformat(row.day),
            mapping.get("rep_id"),
            row.measure,
            row.currency,
            mapping.get("product"),
            mapping.get("region"),
            shape,
        )
        tally.add(key, joined(int(row.units), int(row.fraction)), int(row.contributions))


def _add_raw(connection, tally, measures, first, last, zone, shape, reps, low, high, sign) -> None:  # type: ignore[no-untyped-def]
    """The contributions at positions low..high, added (sign 1) or taken away (-1)."""
    if low > high:
        return
    c = contributions.c
    query = select(c.measure, c.rep_id, c.occurred_at, c.value, c.currency, c.product, c.region).where(
        c.position >= low,
        c.position <= high,
        c.measure.in_(sorted(measures)),
        c.occurred_at >= day_start(first, zone),
        c.occurred_at < day_start(last + timedelta(days=1), zone),
    )
    if reps is not None:
        query = query.where(c.rep_id.in_(sorted(reps)))
    for row in connection.execute(query):
        key = _key(
            local_day(row.occurred_at, zone), row.rep_id, row.measure, row.currency, row.product, row.region, shape
        )
        tally.add(key, sign * Decimal(row.value), sign)


def summed(credits: Iterable[Credit], shape: Shape) -> list[Credit]:
    """Credits summed as `day_credits` sums them: what a fold of the contributions must equal."""
    tally = Tally()
    for c in credits:
        tally.add(_key(c.day, c.rep_id, c.measure, c.currency, c.product, c.region, shape), c.value, 1)
    return tally.credits()
