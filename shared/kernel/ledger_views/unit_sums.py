"""Unit sums: the contributions summed per unit and business day, for every unit a rep was within on the
day of each contribution, as the organisation stood at the contribution's position; so a team's or a
region's figure reads its own rows, not its members' (day_sum_reads.py).

A projection after the credit and rule projections: it reads the contributions and the organisation they
wrote for the entries of its page. An organisation change moves what it re-attributes at its own
position: every contribution recorded before it, of the reps it touches, on the days from the change's
effective day, leaves the units it counted for and joins the ones it counts for now. So the rows always
hold the sums "as known at" the position this projection has reached.

Each row also belongs to a bucket of positions, as the day sums do: a contribution's, or the organisation
change's that moved it. So the buckets before a position's own hold every contribution recorded before
that bucket, attributed by the organisation as it stood at the bucket's start, and a figure as known at an
earlier position reads them too, when no organisation change was recorded in its own bucket
(queries.py); across such a change it counts the members' day sums instead."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shared.kernel.ledger_views import day_sums as sums
from shared.kernel.ledger_views.tables import contributions, rule_entries, unit_day_sums
from shared.kernel.organisation import Organisation
from shared.kernel.periods import local_day
from shared.platform.chain import ChainedEntry

LAST_DAY = date(9999, 12, 31)
KEY = ("unit_id", "measure", "day", "bucket", "currency", "product", "region")


class UnitSums:
    name = "units"

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self._organisation: tuple[int, Organisation] | None = None  # folded up to a position, kept between pages

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        first, last = entries[0].position, entries[-1].position
        organisation = self._organisation_at(session, first - 1)
        self._organisation = None  # changed below: kept again only once the whole page is counted
        credited: dict[int, list] = defaultdict(list)
        changes = any(item.entry.get("type", "").startswith("org.") for item in entries)
        if organisation.reps or changes:  # else no contribution of the page counts for any unit
            for row in session.execute(_contributions().where(contributions.c.position.between(first, last))):
                credited[row.position].append(row)
        totals = sums.Totals()
        for item in entries:
            if item.entry.get("type", "").startswith("org."):
                touched = self._touched(session, organisation, item.entry)
                organisation.apply(item.entry)
                bucket = item.position // sums.BUCKET  # what it moves, it moves at its own position
                for (measure, day_text, *rest), value, rep_id, day, was in touched:
                    now = set(_units(organisation, rep_id, day))
                    for unit_id in was - now:
                        totals.add((unit_id, measure, day_text, bucket, *rest), Decimal(value), -1)
                    for unit_id in now - was:
                        totals.add((unit_id, measure, day_text, bucket, *rest), Decimal(value))
            for row in credited.get(item.position, ()):
                self._count(totals, organisation, row)
        self._organisation = (last, organisation)
        totals.write(session, unit_day_sums, KEY)

    def reset(self, session: Session) -> None:
        session.execute(delete(unit_day_sums))
        self._organisation = None

    def _organisation_at(self, session: Session, position: int) -> Organisation:
        if self._organisation is not None and self._organisation[0] == position:
            return self._organisation[1]
        query = (
            select(rule_entries.c.entry)
            .where(rule_entries.c.position <= position, rule_entries.c.type.startswith("org."))
            .order_by(rule_entries.c.position)
        )
        return Organisation.fold(json.loads(row.entry) for row in session.execute(query))

    def _count(self, totals: sums.Totals, organisation: Organisation, row) -> None:  # type: ignore[no-untyped-def]
        day = local_day(row.occurred_at, self.zone)
        measure, day_text, *rest = _key(row.measure, day, row.currency, row.product, row.region)
        for unit_id in _units(organisation, row.rep_id, day):
            totals.add((unit_id, measure, day_text, row.position // sums.BUCKET, *rest), Decimal(row.value))

    def _touched(self, session: Session, organisation: Organisation, entry) -> list[tuple]:  # type: ignore[no-untyped-def]
        """What an organisation change may re-attribute, with the units each counted for before it: every
        contribution recorded before it, of the reps it touches, on a day from its effective day."""
        data, position = entry["data"], entry["position"]
        since = date.fromisoformat(data["effective_from"])
        if "rep_id" in data:
            reps = {data["rep_id"]}
        elif entry["type"] == "org.unit.moved":  # its members stay its members; the units above them change
            reps = {m.rep_id for m in organisation.members_within(data["unit_id"], since, LAST_DAY)}
        else:
            return []  # a new or renamed unit counts no one's credit differently
        query = _contributions().where(contributions.c.position < position, contributions.c.rep_id.in_(sorted(reps)))
        touched = []
        for row in session.execute(query):
            day = local_day(row.occurred_at, self.zone)
            if day >= since:
                key = _key(row.measure, day, row.currency, row.product, row.region)
                touched.append((key, row.value, row.rep_id, day, set(_units(organisation, row.rep_id, day))))
        return touched


def _contributions():  # type: ignore[no-untyped-def]
    c = contributions.c
    return select(c.position, c.rep_id, c.measure, c.occurred_at, c.value, c.currency, c.product, c.region).order_by(
        c.position, c.id
    )


def _units(organisation: Organisation, rep_id: str, day: date) -> list[str]:
    """The units a rep's credit on `day` counts for: theirs then and every unit above it then."""
    unit_id = organisation.unit_of(rep_id, day)
    return organisation.ancestry(unit_id, day) if unit_id is not None else []


def _key(measure: str, day: date, currency: str | None, product: str | None, region: str | None) -> tuple:
    """A unit sum's key after its unit, as its columns hold it, less the bucket (between day and currency)."""
    return (measure, day.isoformat(), currency or "", product or "", region or "")
