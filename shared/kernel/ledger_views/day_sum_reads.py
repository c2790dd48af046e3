"""Reading the day sums (day_sums.py): the asks (shared.kernel.metrics.asks) of one answer, as known at one
position, from one snapshot in one statement, plus the contributions of the position's own bucket (or after
it). A unit's credits are its members' summed in SQL, or read from the unit's own sums (unit_sums.py) when
those can answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    Row,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from shared.kernel.ledger_views import day_sums as sums
from shared.kernel.ledger_views.tables import contributions, day_sums, rep_day_sums, unit_day_sums
from shared.kernel.metrics.asks import Ask, Tally
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Member
from shared.kernel.periods import day_start, local_day


@dataclass(frozen=True)
class UnitSumsRead:
    """How the unit sums answer as known at a position k (queries.py decides when they can): all of them as
    they stand at `held` less the contributions after k, or, with `below_bucket`, the buckets before k's own
    plus the contributions of k's bucket up to k."""

    held: int
    below_bucket: int | None = None


def read_asks(
    connection: Connection,
    held: int,
    asks: Sequence[Ask],
    known_at: int,
    zone: ZoneInfo,
    units: UnitSumsRead | None = None,
    bucket: Sequence[Credit] | None = None,
) -> list[list[Credit]]:
    """Each ask's credits as known at `known_at`, from the day sums as they stand at `held`, and a unit's from
    its unit sums when `units` says how (read in the same snapshot as `connection`). `bucket`, when a caller
    asking many times at one position kept them (`bucket_credits`), are the contributions of its bucket up to
    it: then only the sums below the bucket are read."""
    if known_at > held:
        raise ValueError(f"the day sums hold position {held}, not {known_at}")
    tallies = [Tally(ask) for ask in asks]
    by_unit = [t for t in tallies if units is not None and t.ask.unit is not None and not t.ask.names_reps]
    by_members = [t for t in tallies if t not in by_unit]
    bucket_start = known_at // sums.BUCKET * sums.BUCKET
    below_bucket = known_at // sums.BUCKET if bucket is not None or reads_below_bucket(held, known_at) else None
    _add_sums(connection, by_members, below_bucket, by_unit, units.below_bucket if units else None)
    if bucket is not None:
        for tally in by_members:
            tally.add_credits(bucket)
    else:
        _add_since(connection, by_members, zone, known_at, bucket_start, held, below_bucket)
    if units is not None:
        _add_since(connection, by_unit, zone, known_at, bucket_start, units.held, units.below_bucket)
    return [tally.credits() for tally in tallies]


def reads_below_bucket(held: int, known_at: int) -> bool:
    """Whether "as known at `known_at`" reads fewer contributions as the buckets below its own plus its own
    bucket's up to it than as the sums at `held` less those after it."""
    return held - known_at > known_at - known_at // sums.BUCKET * sums.BUCKET


def _add_since(
    connection: Connection,
    tallies: list[Tally],
    zone: ZoneInfo,
    known_at: int,
    bucket_start: int,
    held: int,
    below_bucket: int | None,
) -> None:
    """What sums read up to `held` (below_bucket None) hold past `known_at`, taken away; or what sums read
    below the bucket lack of it up to `known_at`, added."""
    if below_bucket is None:
        _add_raw(connection, tallies, zone, known_at + 1, held, -1)
    else:
        _add_raw(connection, tallies, zone, bucket_start, known_at, 1)


def _add_sums(
    connection: Connection,
    tallies: list[Tally],
    below_bucket: int | None,
    by_unit: list[Tally],
    units_below_bucket: int | None,
) -> None:
    everyone = [*tallies, *by_unit]
    selects = [
        _select(index, t.ask, units_below_bucket, unit_sums=True)
        if index >= len(tallies)
        else _select(index, t.ask, below_bucket)
        for index, t in enumerate(everyone)
        if _asks_anything(t.ask)
    ]
    if not selects:
        return
    statement: Executable = union_all(*selects) if len(selects) > 1 else selects[0]
    for row in connection.execute(statement):
        tally = everyone[row.ask]
        key = (date.fromisoformat(row.span), row.rep_id, row.measure, row.currency, row.product, row.region)
        tally.add(key, sums.joined(int(row.units), int(row.fraction)), int(row.contributions))


def _asks_anything(ask: Ask) -> bool:
    return bool(ask.measures) and ask.first <= ask.last and (ask.unit is None or bool(ask.members))


def _select(index: int, ask: Ask, below_bucket: int | None, unit_sums: bool = False):  # type: ignore[no-untyped-def]
    t = (unit_day_sums if unit_sums else rep_day_sums if ask.per_rep else day_sums).c
    none: ColumnElement[str] = literal_column("''")
    day: ColumnElement = t.day
    if ask.starts is not None and len(ask.starts) == 1:  # one span: no day told apart
        day = literal_column(f"'{ask.first.isoformat()}'")
    elif ask.starts is not None:  # each day as the first day of its span
        starts = [s.isoformat() for s in ask.starts]
        day = case(*((t.day < later, earlier) for earlier, later in pairwise(starts)), else_=starts[-1])
    rep = t.rep_id if ask.names_reps else none
    product = t.product if ask.shape.products else none
    region = t.region if ask.shape.regions else none
    query = (
        select(
            literal_column(str(index)).label("ask"),
            day.label("span"),
            rep.label("rep_id"),
            t.measure,
            t.currency,
            product.label("product"),
            region.label("region"),
            func.sum(t.units).label("units"),
            func.sum(t.fraction).label("fraction"),
            func.sum(t.contributions).label("contributions"),
        )
        .where(t.measure.in_(sorted(ask.measures)), t.day >= ask.first.isoformat(), t.day <= ask.last.isoformat())
        .group_by(*(c for c in (rep, t.measure, t.currency, product, region) if c is not none))
    )
    if ask.starts is None or len(ask.starts) > 1:
        query = query.group_by(literal_column("span"))
    if below_bucket is not None:
        query = query.where(t.bucket < below_bucket)
    if unit_sums:
        return query.where(t.unit_id == ask.unit)
    if ask.reps is not None:
        query = query.where(t.rep_id.in_(sorted(ask.reps)))
    if ask.unit is not None:
        query = query.where(_membership(t, ask.members))
    return query


def _membership(t, members: Iterable[Member]) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Rows of a member on the days it was one: reps sharing the same days in one IN list."""
    by_days: dict[tuple[date, date], list[str]] = defaultdict(list)
    for m in members:
        by_days[(m.first, m.last)].append(m.rep_id)
    return or_(
        *(
            and_(t.rep_id.in_(sorted(reps)), t.day >= first.isoformat(), t.day <= last.isoformat())
            for (first, last), reps in sorted(by_days.items())
        )
    )


def _add_raw(connection: Connection, tallies: list[Tally], zone: ZoneInfo, low: int, high: int, sign: int) -> None:
    """The contributions at positions low..high, added to (sign 1) or taken from (-1) the asks they count for."""
    live = [t for t in tallies if _asks_anything(t.ask)]
    if low > high or not live:
        return
    c = contributions.c
    measures = sorted(set().union(*(t.ask.measures for t in live)))
    first, last = min(t.ask.first for t in live), max(t.ask.last for t in live)
    query = select(c.measure, c.rep_id, c.occurred_at, c.value, c.currency, c.product, c.region).where(
        c.position >= low,
        c.position <= high,
        c.measure.in_(measures),
        c.occurred_at >= day_start(first, zone),
        c.occurred_at < day_start(last + timedelta(days=1), zone),
    )
    credits = [_credit(row, zone) for row in connection.execute(query)]
    for tally in live:
        tally.add_credits(credits, sign)


def bucket_credits(connection: Connection, known_at: int, zone: ZoneInfo) -> list[Credit]:
    """The contributions in the bucket of `known_at`, up to it: what `read_asks` adds to the sums below it."""
    c = contributions.c
    query = select(c.measure, c.rep_id, c.occurred_at, c.value, c.currency, c.product, c.region).where(
        c.position >= known_at // sums.BUCKET * sums.BUCKET, c.position <= known_at
    )
    return [_credit(row, zone) for row in connection.execute(query)]


def _credit(row: Row, zone: ZoneInfo) -> Credit:
    return Credit(
        row.measure,
        row.rep_id,
        local_day(row.occurred_at, zone),
        Decimal(row.value),
        row.currency or None,
        row.product or None,
        row.region or None,
    )
