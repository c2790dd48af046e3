"""Day sums: the credited contributions summed per business day, kept beside them in the same transaction,
so a figure reads a few hundred rows instead of folding every contribution (day_sum_reads.py reads them).

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
from collections.abc import Iterable
from decimal import Decimal, localcontext
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from shared.kernel.ledger_views.tables import contributions, day_sums, day_sums_zone, rep_day_sums
from shared.kernel.metrics.credit import Contribution
from shared.kernel.periods import local_day
from shared.platform.readmodel import upsert

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
    """The value of summed units and fractions, exact (60 digits hold any two 64-bit sums)."""
    with localcontext(prec=60):
        return Decimal(units) + Decimal(fraction).scaleb(-12)


class DaySums:
    """The writing side, called by the credit projection with each page's new contributions."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone

    def add(self, session: Session, added: Iterable[Contribution]) -> None:
        per_rep, company = Totals(), Totals()
        for c in added:
            day = local_day(c.occurred_at, self.zone).isoformat()
            bucket, rest = c.position // BUCKET, (c.measure, c.currency or NONE, c.product or NONE, c.region or NONE)
            per_rep.add((bucket, day, c.rep_id, *rest), c.value)
            company.add((bucket, day, *rest), c.value)
        per_rep.write(session, rep_day_sums, REP_KEY)
        company.write(session, day_sums, COMPANY_KEY)

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


class Totals:
    """Values added up per key as (units, fraction, contributions), then added to a sums table's rows."""

    def __init__(self) -> None:
        self.totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(self, key: tuple, value: Decimal, sign: int = 1) -> None:
        units, fraction = split(value)
        total = self.totals[key]
        total[0] += sign * units
        total[1] += sign * fraction
        total[2] += sign

    def write(self, session: Session, table: Table, keys: tuple[str, ...]) -> None:
        """Add to the rows of these keys, creating those that are new, in one statement."""
        if not self.totals:
            return
        rows = [
            {**dict(zip(keys, key, strict=True)), "units": u, "fraction": f, "contributions": n}
            for key, (u, f, n) in self.totals.items()
        ]
        statement = upsert(session, table)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: table.c[name] + statement.excluded[name] for name in ("units", "fraction", "contributions")},
        )
        for start in range(0, len(rows), 5_000):
            session.execute(statement, rows[start : start + 5_000])
