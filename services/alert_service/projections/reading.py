"""The ledger views read in ledger order for the watcher, a page of positions at a time: the business day of
the activity recorded at each position, where calendar years are published, and which won deals are voided
where, with the revenue each void takes back from each rep."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, func, select

from services.alert_service.domain.evaluation import VoidedDeal
from services.alert_service.tables import corrections
from shared.kernel.ledger_views.tables import activity_records, contributions, rule_entries
from shared.kernel.periods import local_day


@dataclass(frozen=True)
class LedgerPage:
    """What the ledger views hold at positions (after, upto]."""

    activity_days: dict[int, date]  # the latest business day of the activity credited at each position
    calendars_published: set[int]  # where a waiting clock tries again
    voided_deals: dict[int, VoidedDeal]

    def positions(self) -> list[int]:
        return sorted(self.activity_days.keys() | self.calendars_published | self.voided_deals.keys())


def read_page(engine: Engine, after: int, upto: int, zone: ZoneInfo) -> LedgerPage:
    c, r = contributions.c, rule_entries.c
    latest = (
        select(c.position, func.max(c.occurred_at).label("occurred_at"))
        .where(c.position > after, c.position <= upto)
        .group_by(c.position)
    )
    published = select(r.position).where(r.position > after, r.position <= upto, r.type == "calendar.year.published")
    with engine.connect() as connection:
        days = {row.position: local_day(row.occurred_at, zone) for row in connection.execute(latest)}
        calendars = set(connection.execute(published).scalars())
    return LedgerPage(days, calendars, _voided_deals(engine, after, upto, zone))


def _voided_deals(engine: Engine, after: int, upto: int, zone: ZoneInfo) -> dict[int, VoidedDeal]:
    """Won deals voided in (after, upto], as the void entries say, each with the revenue it takes back from
    each rep credited then (nothing, for a deal voided before)."""
    k, a, c = corrections.c, activity_records.c, contributions.c
    voids = (
        select(k.position, k.activity_source, k.activity_id, a.occurred_at)
        .join(activity_records, and_(a.source == k.activity_source, a.id == k.activity_id))
        .where(k.position > after, k.position <= upto, k.type == "activity.voided", a.type == "deal.won")
        .order_by(k.position)
    )
    with engine.connect() as connection:
        found = connection.execute(voids).all()
        if not found:
            return {}
        taken_back = (
            select(c.position, c.activity_source, c.activity_id, c.rep_id, c.value, c.currency)
            .where(c.position.in_([v.position for v in found]), c.measure == "revenue_won")
            .order_by(c.position, c.id)
        )
        revenue = [row for row in connection.execute(taken_back) if Decimal(row.value) < 0]
    deals = {}
    for void in found:
        deal = (void.position, void.activity_source, void.activity_id)
        mine = [row for row in revenue if (row.position, row.activity_source, row.activity_id) == deal]
        reversed_by_rep: dict[str, Decimal] = defaultdict(Decimal)
        for row in mine:
            reversed_by_rep[row.rep_id] -= Decimal(row.value)
        deals[void.position] = VoidedDeal(
            void.position,
            {"source": void.activity_source, "id": void.activity_id},
            local_day(void.occurred_at, zone),
            mine[0].currency if mine else None,
            dict(reversed_by_rep),
        )
    return deals
